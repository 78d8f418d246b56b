using System.Buffers.Binary;
using System.Collections.ObjectModel;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Interp.Core.Safetensors;

/// <summary>
/// One tensor's entry in a safetensors header. <see cref="Begin"/> and <see cref="End"/> are byte offsets relative to the
/// start of the data section (the byte after the header).
/// </summary>
/// <param name="Name">The tensor's name (its header key).</param>
/// <param name="Dtype">The element type.</param>
/// <param name="Shape">The dimensions, outermost first (row-major); empty for a scalar.</param>
/// <param name="Begin">Offset of the first byte, relative to the data section.</param>
/// <param name="End">Offset one past the last byte, relative to the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDtype Dtype, long[] Shape, long Begin, long End)
{
    /// <summary>The product of <see cref="Shape"/> (1 for a scalar, 0 when any dimension is 0).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n = checked(n * d);
            return n;
        }
    }

    /// <summary><see cref="End"/> − <see cref="Begin"/>; the reader guarantees it equals elements × element size.</summary>
    public long ByteLength => End - Begin;
}

/// <summary>
/// A read-only, memory-mapped safetensors file. <see cref="Open"/> validates the whole header (dtypes, shapes, offsets,
/// sizes, overlaps) before returning, so later reads cannot fail on a malformed file. Reads are thread-safe.
/// Spans returned by <see cref="GetBytes"/> point into the mapping and must not be used after <see cref="Dispose"/>.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>The largest header accepted, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly unsafe byte* _data; // first byte of the data section
    private readonly long _dataLength;
    private int _disposed;

    private unsafe SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* data,
        long dataLength, IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _data = data;
        _dataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The path the file was opened from (as given to <see cref="Open"/>).</summary>
    public string Path { get; }

    /// <summary>Every tensor in the file, by name, in header order.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens and memory-maps <paramref name="path"/> read-only and validates its header. Every problem with the file is
    /// reported as an <see cref="InterpException"/> whose one-line message names the file and the key or value at fault.
    /// </summary>
    public static unsafe SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InterpException($"safetensors file not found: {path}");

        FileStream? stream = null;
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        var pointerAcquired = false;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
            var fileLength = stream.Length;
            if (fileLength < 8)
                throw Bad(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");

            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            var headerLengthRaw = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLengthRaw > MaxHeaderLength)
                throw Bad(path, $"header length {headerLengthRaw} exceeds the {MaxHeaderLength}-byte limit");
            var headerLength = (long)headerLengthRaw;
            if (8 + headerLength > fileLength)
                throw Bad(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes)");

            var header = new byte[headerLength];
            stream.ReadExactly(header);
            var dataLength = fileLength - 8 - headerLength;
            var (tensors, metadata) = ParseHeader(path, header, dataLength);

            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            stream = null; // owned by the map now
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            if (view.Capacity < fileLength)
                throw Bad(path, $"file changed while opening (mapped {view.Capacity} of {fileLength} bytes)");
            byte* basePtr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            pointerAcquired = true;
            var data = basePtr + view.PointerOffset + 8 + headerLength;
            return new SafetensorsFile(path, map, view, data, dataLength, tensors, metadata);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Cleanup();
            throw new InterpException($"cannot read safetensors file {path}: {OneLine(e.Message)}", e);
        }
        catch
        {
            Cleanup();
            throw;
        }

        void Cleanup()
        {
            if (pointerAcquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            stream?.Dispose();
        }
    }

    /// <summary>
    /// The raw little-endian bytes of tensor <paramref name="name"/>: a zero-copy view into the mapping, valid until
    /// <see cref="Dispose"/>. Unknown names throw an <see cref="InterpException"/> naming the tensor and the file.
    /// </summary>
    public unsafe ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = Get(name);
        if (info.ByteLength > int.MaxValue)
            throw new InterpException(
                $"{Path}: tensor {Quote(name)} is {info.ByteLength} bytes, too large for one span; use CopyAsFloat32");
        return new ReadOnlySpan<byte>(_data + info.Begin, (int)info.ByteLength);
    }

    /// <summary>
    /// Tensor <paramref name="name"/> converted to a new <see cref="float"/> array (row-major). F32, F16, BF16 and F64
    /// convert; other dtypes throw an <see cref="InterpException"/>.
    /// </summary>
    public float[] ReadAsFloat32(string name)
    {
        var info = Get(name);
        RequireFloat(info);
        if (info.ElementCount > Array.MaxLength)
            throw new InterpException($"{Path}: tensor {Quote(name)} has {info.ElementCount} elements, too many for one array");
        var result = new float[info.ElementCount];
        CopyAsFloat32(name, result);
        return result;
    }

    /// <summary>
    /// Converts tensor <paramref name="name"/> (F32, F16, BF16 or F64) to <see cref="float"/> straight into
    /// <paramref name="destination"/>, whose length must equal the tensor's element count. No intermediate copy is made.
    /// </summary>
    public unsafe void CopyAsFloat32(string name, Span<float> destination)
    {
        var info = Get(name);
        RequireFloat(info);
        if (destination.Length != info.ElementCount)
            throw new InterpException(
                $"{Path}: tensor {Quote(name)} has {info.ElementCount} elements ({FormatShape(info.Shape)}) but the destination holds {destination.Length}");

        var n = destination.Length;
        var src = _data + info.Begin;
        fixed (float* dst = destination)
        {
            switch (info.Dtype)
            {
                case SafetensorsDtype.F32 when BitConverter.IsLittleEndian:
                    Buffer.MemoryCopy(src, dst, (long)n * sizeof(float), (long)n * sizeof(float));
                    break;
                case SafetensorsDtype.F32:
                    for (var i = 0; i < n; i++)
                        dst[i] = BinaryPrimitives.ReadSingleLittleEndian(new ReadOnlySpan<byte>(src + (long)i * 4, 4));
                    break;
                case SafetensorsDtype.F16:
                    for (var i = 0; i < n; i++)
                        dst[i] = (float)BitConverter.UInt16BitsToHalf(ReadU16(src + (long)i * 2));
                    break;
                case SafetensorsDtype.BF16:
                    for (var i = 0; i < n; i++)
                        dst[i] = BitConverter.UInt32BitsToSingle((uint)ReadU16(src + (long)i * 2) << 16);
                    break;
                case SafetensorsDtype.F64:
                    for (var i = 0; i < n; i++)
                        dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(new ReadOnlySpan<byte>(src + (long)i * 8, 8));
                    break;
                default:
                    throw new InvalidOperationException($"unreachable: dtype {info.Dtype}");
            }
        }
    }

    /// <summary>Unmaps the file. Spans previously returned by <see cref="GetBytes"/> become invalid.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private static unsafe ushort ReadU16(byte* p)
    {
        var v = Unsafe.ReadUnaligned<ushort>(p);
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    private SafetensorsTensorInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!Tensors.TryGetValue(name, out var info))
            throw new InterpException($"{Path}: no tensor named {Quote(name)}");
        return info;
    }

    private void RequireFloat(SafetensorsTensorInfo info)
    {
        if (!info.Dtype.IsFloatingPoint())
            throw new InterpException(
                $"{Path}: tensor {Quote(info.Name)} is {info.Dtype.ToFormatString()}; only F32, F16, BF16 and F64 convert to float");
    }

    private static (IReadOnlyDictionary<string, SafetensorsTensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(
        string path, byte[] header, long dataLength)
    {
        if (!Utf8.IsValid(header))
            throw Bad(path, $"header ({header.Length} bytes) is not valid UTF-8");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Bad(path, $"header is not valid JSON: {OneLine(e.Message)}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Bad(path, $"header is a JSON {Kind(root.ValueKind)}, not an object");

            var tensors = new OrderedDictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seenMetadata = false;
            foreach (var property in root.EnumerateObject())
            {
                var key = property.Name;
                if (key == MetadataKey)
                {
                    if (seenMetadata) throw Bad(path, $"duplicate key {Quote(MetadataKey)}");
                    seenMetadata = true;
                    ParseMetadata(path, property.Value, metadata);
                    continue;
                }
                if (tensors.ContainsKey(key)) throw Bad(path, $"duplicate tensor {Quote(key)}");
                tensors.Add(key, ParseTensor(path, key, property.Value, dataLength));
            }

            CheckOverlaps(path, tensors.Values);
            return (new ReadOnlyDictionary<string, SafetensorsTensorInfo>(tensors),
                new ReadOnlyDictionary<string, string>(metadata));
        }
    }

    private static void ParseMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"{Quote(MetadataKey)} is a JSON {Kind(value.ValueKind)}, not an object of strings");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Bad(path, $"{Quote(MetadataKey)} entry {Quote(entry.Name)} is a JSON {Kind(entry.Value.ValueKind)}, not a string");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw Bad(path, $"{Quote(MetadataKey)} has duplicate key {Quote(entry.Name)}");
        }
    }

    private static SafetensorsTensorInfo ParseTensor(string path, string name, JsonElement value, long dataLength)
    {
        var where = $"tensor {Quote(name)}";
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"{where} is a JSON {Kind(value.ValueKind)}, not an object");

        if (!value.TryGetProperty("dtype", out var dtypeElement))
            throw Bad(path, $"{where} has no \"dtype\"");
        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad(path, $"{where} has a \"dtype\" that is a JSON {Kind(dtypeElement.ValueKind)}, not a string");
        var dtypeText = dtypeElement.GetString();
        if (!SafetensorsDtypeExtensions.TryParseFormatString(dtypeText, out var dtype))
            throw Bad(path, $"{where} has unknown dtype {Quote(dtypeText ?? "")} (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");

        if (!value.TryGetProperty("shape", out var shapeElement))
            throw Bad(path, $"{where} has no \"shape\"");
        if (shapeElement.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"{where} has a \"shape\" that is a JSON {Kind(shapeElement.ValueKind)}, not an array");
        var shape = new long[shapeElement.GetArrayLength()];
        var i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var d))
                throw Bad(path, $"{where} has shape {Raw(shapeElement)} whose entry {i} ({Raw(dim)}) is not an integer");
            if (d < 0)
                throw Bad(path, $"{where} has shape {Raw(shapeElement)} with negative dimension {d}");
            shape[i++] = d;
        }

        if (!value.TryGetProperty("data_offsets", out var offsetsElement))
            throw Bad(path, $"{where} has no \"data_offsets\"");
        if (offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2
            || !TryGetOffset(offsetsElement[0], out var begin) || !TryGetOffset(offsetsElement[1], out var end))
            throw Bad(path, $"{where} has data_offsets {Raw(offsetsElement)}, not two non-negative integers [begin, end]");
        if (end < begin)
            throw Bad(path, $"{where} has data_offsets {Raw(offsetsElement)} that are not ascending (end < begin)");
        if (end > dataLength)
            throw Bad(path, $"{where} has data_offsets {Raw(offsetsElement)} past the end of the {dataLength}-byte data section");

        long expected;
        try
        {
            expected = 1;
            foreach (var d in shape) expected = checked(expected * d);
            expected = checked(expected * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw Bad(path, $"{where} has shape {Raw(shapeElement)} whose size overflows 64 bits");
        }
        if (end - begin != expected)
            throw Bad(path,
                $"{where} has data_offsets {Raw(offsetsElement)} spanning {end - begin} bytes, but shape {FormatShape(shape)} of {dtype.ToFormatString()} needs {expected}");

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static bool TryGetOffset(JsonElement e, out long value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out value) && value >= 0;
    }

    private static void CheckOverlaps(string path, IEnumerable<SafetensorsTensorInfo> tensors)
    {
        // Zero-byte tensors occupy no bytes, so they cannot overlap anything.
        var sorted = tensors.Where(t => t.End > t.Begin)
            .OrderBy(t => t.Begin).ThenBy(t => t.End).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        for (var k = 1; k < sorted.Count; k++)
        {
            var a = sorted[k - 1];
            var b = sorted[k];
            if (b.Begin < a.End)
                throw Bad(path,
                    $"tensors {Quote(a.Name)} [{a.Begin}, {a.End}] and {Quote(b.Name)} [{b.Begin}, {b.End}] overlap");
        }
    }

    private static InterpException Bad(string path, string detail) => new($"invalid safetensors file {path}: {detail}");

    private static string Kind(JsonValueKind k) => k switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => k.ToString(),
    };

    /// <summary>The element's JSON text, on one line and cut short if long.</summary>
    private static string Raw(JsonElement e) => Shorten(OneLine(e.GetRawText()));

    internal static string FormatShape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>A name in double quotes with control characters escaped, so messages stay on one line.</summary>
    internal static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in Shorten(s))
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    private static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "…";

    internal static string OneLine(string s) =>
        string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
