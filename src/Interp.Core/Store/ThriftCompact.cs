using System.Buffers.Binary;
using System.Text;

namespace Interp.Core.Store;

/// <summary>Thrift compact-protocol type codes (the subset Parquet's metadata uses).</summary>
internal static class ThriftType
{
    public const byte Stop = 0, True = 1, False = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8, List = 9,
        Set = 10, Map = 11, Struct = 12;
}

/// <summary>
/// Writes Thrift's compact protocol (what Parquet uses for page headers and the file footer): fields carry a 4-bit
/// delta from the previous field id and a type nibble; integers are zig-zag varints; structs end with a stop byte.
/// Callers write fields in increasing id order inside <see cref="StructBegin"/>/<see cref="StructEnd"/>.
/// </summary>
internal sealed class ThriftCompactWriter
{
    private readonly MemoryStream _out = new();
    private readonly Stack<short> _outerIds = new();
    private short _lastId;

    public ReadOnlySpan<byte> Written => _out.GetBuffer().AsSpan(0, (int)_out.Length);

    public void StructBegin()
    {
        _outerIds.Push(_lastId);
        _lastId = 0;
    }

    public void StructEnd()
    {
        _out.WriteByte(ThriftType.Stop);
        _lastId = _outerIds.Pop();
    }

    public void I32(short id, int value)
    {
        FieldHeader(ThriftType.I32, id);
        Varint(ZigZag(value));
    }

    public void I64(short id, long value)
    {
        FieldHeader(ThriftType.I64, id);
        Varint(ZigZag(value));
    }

    public void Bool(short id, bool value) => FieldHeader(value ? ThriftType.True : ThriftType.False, id);

    public void Binary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(ThriftType.Binary, id);
        BinaryValue(value);
    }

    public void String(short id, string value) => Binary(id, Encoding.UTF8.GetBytes(value));

    /// <summary>A struct-valued field: write its fields, then <see cref="StructEnd"/>.</summary>
    public void StructField(short id)
    {
        FieldHeader(ThriftType.Struct, id);
        StructBegin();
    }

    /// <summary>A list-valued field of <paramref name="count"/> elements; then write each element with the List* methods.</summary>
    public void ListField(short id, byte elementType, int count)
    {
        FieldHeader(ThriftType.List, id);
        if (count < 15) _out.WriteByte((byte)(count << 4 | elementType));
        else
        {
            _out.WriteByte((byte)(0xF0 | elementType));
            Varint((ulong)count);
        }
    }

    public void ListI32(int value) => Varint(ZigZag(value));

    public void ListString(string value) => BinaryValue(Encoding.UTF8.GetBytes(value));

    private void BinaryValue(ReadOnlySpan<byte> value)
    {
        Varint((ulong)value.Length);
        _out.Write(value);
    }

    private void FieldHeader(byte type, short id)
    {
        var delta = id - _lastId;
        if (delta is > 0 and <= 15) _out.WriteByte((byte)(delta << 4 | type));
        else
        {
            _out.WriteByte(type);
            Varint(ZigZag(id));
        }
        _lastId = id;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _out.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _out.WriteByte((byte)value);
    }
}

/// <summary>
/// Reads Thrift's compact protocol from a byte span. Field-by-field: <see cref="NextField"/> returns false at a struct's
/// stop byte; the caller reads the value or <see cref="Skip"/>s it. Malformed input throws <see cref="FormatException"/>.
/// </summary>
internal ref struct ThriftCompactReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;
    private int _depth;

    public readonly int Position => _pos;

    /// <summary>Reads the next field header of the current struct; false at its stop byte.</summary>
    public bool NextField(ref short lastId, out byte type, out short id)
    {
        var header = ReadByte();
        type = (byte)(header & 0x0F);
        if (type == ThriftType.Stop)
        {
            id = 0;
            return false;
        }
        var delta = header >> 4;
        id = delta != 0 ? (short)(lastId + delta) : checked((short)UnZigZag(Varint()));
        lastId = id;
        return true;
    }

    public int I32() => checked((int)UnZigZag(Varint()));

    public long I64() => UnZigZag(Varint());

    public ReadOnlySpan<byte> Binary()
    {
        var length = checked((int)Varint());
        if (length < 0 || _pos + length > _data.Length) throw new FormatException("binary value runs past the end");
        var value = _data.Slice(_pos, length);
        _pos += length;
        return value;
    }

    public string String() => Encoding.UTF8.GetString(Binary());

    public void ListHeader(out byte elementType, out int count)
    {
        var header = ReadByte();
        elementType = (byte)(header & 0x0F);
        count = header >> 4;
        if (count == 15) count = checked((int)Varint());
        if (count < 0 || count > _data.Length) throw new FormatException("list length out of range");
    }

    /// <summary>Reads and discards one value of <paramref name="type"/> (for fields this reader does not need).</summary>
    public void Skip(byte type)
    {
        if (++_depth > 64) throw new FormatException("structures nested too deeply");
        switch (type)
        {
            case ThriftType.True or ThriftType.False: break;
            case ThriftType.Byte: ReadByte(); break;
            case ThriftType.I16 or ThriftType.I32 or ThriftType.I64: Varint(); break;
            case ThriftType.Double: Advance(8); break;
            case ThriftType.Binary: Binary(); break;
            case ThriftType.List or ThriftType.Set:
                ListHeader(out var elementType, out var count);
                for (var i = 0; i < count; i++) SkipElement(elementType);
                break;
            case ThriftType.Map:
                var size = checked((int)Varint());
                if (size > 0)
                {
                    var kv = ReadByte();
                    for (var i = 0; i < size; i++) { SkipElement((byte)(kv >> 4)); SkipElement((byte)(kv & 0x0F)); }
                }
                break;
            case ThriftType.Struct:
                short last = 0;
                while (NextField(ref last, out var fieldType, out _)) Skip(fieldType);
                break;
            default: throw new FormatException($"unknown thrift type {type}");
        }
        _depth--;
    }

    // Inside lists a boolean is a whole byte, unlike a boolean field whose value is its type code.
    private void SkipElement(byte type)
    {
        if (type is ThriftType.True or ThriftType.False) ReadByte();
        else Skip(type);
    }

    private byte ReadByte()
    {
        if (_pos >= _data.Length) throw new FormatException("unexpected end of thrift data");
        return _data[_pos++];
    }

    private void Advance(int count)
    {
        if (_pos + count > _data.Length) throw new FormatException("unexpected end of thrift data");
        _pos += count;
    }

    private ulong Varint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new FormatException("varint longer than 10 bytes");
    }

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}

/// <summary>Little-endian helpers for Parquet's plain encoding (the store runs on little-endian machines only).</summary>
internal static class PlainEncoding
{
    public static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }
}
