using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Interp.Core.Store;

/// <summary>
/// Writes a float16 activation shard by hand, because Parquet.Net 6.1 cannot: it has no <see cref="Half"/> columns
/// (<c>new DataField&lt;Half&gt;(…)</c> throws "type System.Half is not supported"), no way to declare a
/// FIXED_LEN_BYTE_ARRAY(2) column with the FLOAT16 logical type, and it cannot even build the schema of such a file
/// (it maps FLOAT16 to Half, then refuses Half). So this is the one hand-written Parquet encoder left: the magic, one
/// uncompressed PLAIN data page (v1) per column per row group, and the Thrift compact footer, which DuckDB, Arrow and
/// Parquet.Net's footer parser read. <see cref="ParquetShardFile"/> reads the footer and the index columns with
/// Parquet.Net and takes the float16 values out of these pages (checking each starts with <see cref="DataPageHeader"/>).
/// Delete this once Parquet.Net writes and reads Half columns.
/// </summary>
internal sealed class Float16ShardEncoder
{
    private readonly Stream _output;
    private readonly int _d;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _metadata;
    private readonly Half[] _half;
    private readonly List<(long Offset, long Size)[]> _rowGroups = [];
    private readonly List<int> _rowGroupRows = [];
    private long _offset, _rows;

    public Float16ShardEncoder(Stream output, int d, int capacity, IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        (_output, _d, _metadata) = (output, d, metadata);
        _half = GC.AllocateUninitializedArray<Half>(capacity);
        Write("PAR1"u8);
    }

    /// <summary>
    /// Writes one row group: the index columns, and activation column j from <c>columns[j × stride ..]</c> (length n)
    /// rounded to float16.
    /// </summary>
    public void WriteRowGroup(ReadOnlySpan<long> context, ReadOnlySpan<int> position, ReadOnlySpan<int> token, float[] columns, int stride)
    {
        var n = context.Length;
        var chunks = new (long Offset, long Size)[_d + 3];
        chunks[0] = Page(MemoryMarshal.AsBytes(context), n);
        chunks[1] = Page(MemoryMarshal.AsBytes(position), n);
        chunks[2] = Page(MemoryMarshal.AsBytes(token), n);
        for (var j = 0; j < _d; j++)
        {
            HalfConversion.ToHalf(columns.AsSpan(j * stride, n), _half);
            chunks[3 + j] = Page(MemoryMarshal.AsBytes(_half.AsSpan(0, n)), n);
        }
        _rowGroups.Add(chunks);
        _rowGroupRows.Add(n);
        _rows += n;
    }

    /// <summary>Writes the footer and the closing magic.</summary>
    public void Complete()
    {
        var footer = Footer();
        Write(footer);
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
        "PAR1"u8.CopyTo(tail[4..]);
        Write(tail);
    }

    /// <summary>The header of the one data page this encoder writes for <paramref name="values"/> values of <paramref name="bytes"/> bytes.</summary>
    public static byte[] DataPageHeader(int values, int bytes)
    {
        var w = new ThriftWriter();
        w.Begin();                          // PageHeader
        w.I32(1, 0);                        // type: DATA_PAGE
        w.I32(2, bytes);                    // uncompressed_page_size
        w.I32(3, bytes);                    // compressed_page_size
        w.Struct(5);                        // data_page_header
        w.I32(1, values);                   // num_values
        w.I32(2, 0);                        // encoding: PLAIN
        w.I32(3, 3);                        // definition_level_encoding: RLE (no levels: required column)
        w.I32(4, 3);                        // repetition_level_encoding: RLE
        w.End();
        w.End();
        return w.ToArray();
    }

    private (long Offset, long Size) Page(ReadOnlySpan<byte> values, int n)
    {
        var start = _offset;
        Write(DataPageHeader(n, values.Length));
        Write(values);
        return (start, _offset - start);
    }

    private byte[] Footer()
    {
        var names = new List<string> { ActivationSchema.ContextColumn, ActivationSchema.PositionColumn, ActivationSchema.TokenColumn };
        for (var j = 0; j < _d; j++) names.Add(ActivationSchema.ActivationColumn(j));
        var types = names.Select((_, c) => c switch { 0 => 2 /* INT64 */, 1 or 2 => 1 /* INT32 */, _ => 7 /* FIXED_LEN_BYTE_ARRAY */ }).ToArray();
        var w = new ThriftWriter();
        w.Begin();                                                           // FileMetaData
        w.I32(1, 1);                                                         // version
        w.List(2, ThriftWriter.StructType, names.Count + 1);                 // schema
        w.Begin();
        w.String(4, "schema");
        w.I32(5, names.Count);                                               // num_children
        w.End();
        for (var c = 0; c < names.Count; c++)
        {
            w.Begin();                                                       // SchemaElement
            w.I32(1, types[c]);
            if (c >= 3) w.I32(2, 2);                                         // type_length
            w.I32(3, 0);                                                     // repetition_type: REQUIRED
            w.String(4, names[c]);
            if (c >= 3)
            {
                w.Struct(10);                                                // logicalType: FLOAT16 (union field 15)
                w.Struct(15);
                w.End();
                w.End();
            }
            w.End();
        }
        w.I64(3, _rows);                                                     // num_rows
        w.List(4, ThriftWriter.StructType, _rowGroups.Count);                // row_groups
        for (var g = 0; g < _rowGroups.Count; g++)
        {
            var chunks = _rowGroups[g];
            w.Begin();                                                       // RowGroup
            w.List(1, ThriftWriter.StructType, chunks.Length);
            for (var c = 0; c < chunks.Length; c++)
            {
                var (offset, size) = chunks[c];
                w.Begin();                                                   // ColumnChunk
                w.I64(2, offset);                                            // file_offset
                w.Struct(3);                                                 // meta_data
                w.I32(1, types[c]);
                w.List(2, ThriftWriter.I32Type, 1);
                w.ListI32(0);                                                // encodings: PLAIN
                w.List(3, ThriftWriter.BinaryType, 1);
                w.ListString(names[c]);                                      // path_in_schema
                w.I32(4, 0);                                                 // codec: UNCOMPRESSED
                w.I64(5, _rowGroupRows[g]);                                  // num_values
                w.I64(6, size);                                              // total_uncompressed_size
                w.I64(7, size);                                              // total_compressed_size
                w.I64(9, offset);                                            // data_page_offset
                w.End();
                w.End();
            }
            var total = chunks[^1].Offset + chunks[^1].Size - chunks[0].Offset;
            w.I64(2, total);                                                 // total_byte_size
            w.I64(3, _rowGroupRows[g]);                                      // num_rows
            w.I64(5, chunks[0].Offset);                                      // file_offset
            w.I64(6, total);                                                 // total_compressed_size
            w.End();
        }
        if (_metadata.Count > 0)
        {
            w.List(5, ThriftWriter.StructType, _metadata.Count);             // key_value_metadata
            foreach (var (key, value) in _metadata)
            {
                w.Begin();
                w.String(1, key);
                w.String(2, value);
                w.End();
            }
        }
        w.String(6, "interp float16 encoder");                               // created_by
        w.End();
        return w.ToArray();
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _offset += bytes.Length;
    }

    /// <summary>
    /// Thrift's compact protocol, only what the page header and footer above use: a field is a 4-bit id delta and a
    /// type nibble, integers are zig-zag varints, a struct ends with a stop byte. Fields go in increasing id order.
    /// </summary>
    private sealed class ThriftWriter
    {
        public const byte I32Type = 5, BinaryType = 8, StructType = 12;
        private const byte I64Type = 6, ListType = 9;
        private readonly ArrayBufferWriter<byte> _out = new(256);
        private readonly Stack<short> _outer = new();
        private short _last;

        public byte[] ToArray() => _out.WrittenSpan.ToArray();

        public void Begin()
        {
            _outer.Push(_last);
            _last = 0;
        }

        public void End()
        {
            Byte(0);
            _last = _outer.Pop();
        }

        public void I32(short id, int value)
        {
            Field(I32Type, id);
            Varint(ZigZag(value));
        }

        public void I64(short id, long value)
        {
            Field(I64Type, id);
            Varint(ZigZag(value));
        }

        public void String(short id, string value)
        {
            Field(BinaryType, id);
            ListString(value);
        }

        /// <summary>A struct-valued field: write its fields, then <see cref="End"/>.</summary>
        public void Struct(short id)
        {
            Field(StructType, id);
            Begin();
        }

        /// <summary>A list-valued field; then each element (<see cref="Begin"/>…<see cref="End"/>, <see cref="ListI32"/>, <see cref="ListString"/>).</summary>
        public void List(short id, byte elementType, int count)
        {
            Field(ListType, id);
            if (count < 15) Byte((byte)(count << 4 | elementType));
            else
            {
                Byte((byte)(0xF0 | elementType));
                Varint((ulong)count);
            }
        }

        public void ListI32(int value) => Varint(ZigZag(value));

        public void ListString(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Varint((ulong)bytes.Length);
            _out.Write(bytes);
        }

        private void Field(byte type, short id)
        {
            var delta = id - _last;
            if (delta is > 0 and <= 15) Byte((byte)(delta << 4 | type));
            else
            {
                Byte(type);
                Varint(ZigZag(id));
            }
            _last = id;
        }

        private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

        private void Varint(ulong value)
        {
            for (; value >= 0x80; value >>= 7) Byte((byte)(value | 0x80));
            Byte((byte)value);
        }

        private void Byte(byte value)
        {
            _out.GetSpan(1)[0] = value;
            _out.Advance(1);
        }
    }
}
