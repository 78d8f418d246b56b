using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Text;

namespace Interp.Core.Safetensors;

/// <summary>
/// A read-only, memory-mapped safetensors file. <see cref="Open"/> validates the whole header (dtypes, shapes, offsets,
/// sizes, overlaps) before returning, so later reads cannot fail on a malformed file. Reads are thread-safe.
/// Spans returned by <see cref="GetBytes"/> point into the mapping and must not be used after <see cref="Dispose"/>.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>The largest header accepted, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

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
                throw SafetensorsHeader.Bad(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");

            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            var headerLengthRaw = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLengthRaw > MaxHeaderLength)
                throw SafetensorsHeader.Bad(path, $"header length {headerLengthRaw} exceeds the {MaxHeaderLength}-byte limit");
            var headerLength = (long)headerLengthRaw;
            if (8 + headerLength > fileLength)
                throw SafetensorsHeader.Bad(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes)");

            var header = new byte[headerLength];
            stream.ReadExactly(header);
            var dataLength = fileLength - 8 - headerLength;
            var (tensors, metadata) = SafetensorsHeader.Parse(path, header, dataLength);

            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            stream = null; // owned by the map now
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            if (view.Capacity < fileLength)
                throw SafetensorsHeader.Bad(path, $"file changed while opening (mapped {view.Capacity} of {fileLength} bytes)");
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

    internal static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "…";

    internal static string OneLine(string s) =>
        string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
