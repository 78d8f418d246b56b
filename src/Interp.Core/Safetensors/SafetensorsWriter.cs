using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Interp.Core.Safetensors;

/// <summary>
/// Writes safetensors files. Data is streamed (never gathered into one whole-file buffer) to a per-process temporary name, flushed
/// to disk and then renamed over <c>path</c>, so an interrupted write never leaves a truncated file at <c>path</c>.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>One tensor to write: its raw little-endian, row-major bytes.</summary>
    /// <param name="Name">The tensor's name; must be unique and not <c>__metadata__</c>.</param>
    /// <param name="Dtype">The element type.</param>
    /// <param name="Shape">The dimensions (non-negative), outermost first.</param>
    /// <param name="Data">Exactly product(<paramref name="Shape"/>) × element size bytes.</param>
    public sealed record Entry(string Name, SafetensorsDtype Dtype, long[] Shape, ReadOnlyMemory<byte> Data);

    /// <summary>
    /// Writes <paramref name="tensors"/> (header and data in the given order) and optional <paramref name="metadata"/>
    /// to <paramref name="path"/>. The header is padded with spaces to a multiple of 8 bytes. Every entry is checked
    /// (unique name, non-negative shape, data length = elements × element size) before anything is written; a bad entry
    /// or an I/O failure throws an <see cref="InterpException"/>, and on any failure the target is left untouched and
    /// the temporary file removed.
    /// </summary>
    public static void Write(string path, IEnumerable<Entry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = tensors.ToList();
        var header = BuildHeader(path, entries, metadata);

        var target = OutputPath.ForFile(path);
        var tmp = AtomicFile.TemporaryPath(target);
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Span<byte> prefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (var entry in entries)
                {
                    WriteData(stream, entry.Data);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, target, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(tmp);
            if (e is IOException or UnauthorizedAccessException)
                throw new InterpException($"cannot write safetensors file {path}: {SafetensorsFile.OneLine(e.Message)}", e);
            throw;
        }
    }

    /// <summary>
    /// An F32 entry viewing <paramref name="data"/> without copying it (on little-endian machines); the memory must stay
    /// unchanged until <see cref="Write"/> returns.
    /// </summary>
    public static Entry Float32(string name, long[] shape, ReadOnlyMemory<float> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (data.Length > int.MaxValue / sizeof(float))
            throw new InterpException(
                $"tensor {SafetensorsFile.Quote(name)} has {data.Length} floats, over the 2 GiB limit of one safetensors writer entry");
        ReadOnlyMemory<byte> bytes;
        if (BitConverter.IsLittleEndian)
        {
            bytes = new FloatBytesMemoryManager(data).Memory;
        }
        else
        {
            var copy = new byte[(long)data.Length * sizeof(float)];
            var span = data.Span;
            for (var i = 0; i < span.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(copy.AsSpan(i * sizeof(float)), span[i]);
            bytes = copy;
        }
        return new Entry(name, SafetensorsDtype.F32, shape, bytes);
    }

    private static void WriteData(FileStream stream, ReadOnlyMemory<byte> data)
    {
        // Spans are int-sized, so chunk only to keep each write bounded; memory is never copied.
        const int Chunk = 1 << 26;
        for (var offset = 0; offset < data.Length; offset += Chunk)
            stream.Write(data.Span.Slice(offset, Math.Min(Chunk, data.Length - offset)));
    }

    private static byte[] BuildHeader(string path, List<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    if (key is null || value is null)
                        throw new InterpException($"cannot write safetensors file {path}: metadata has a null key or value");
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var entry in entries)
            {
                if (entry is null) throw new InterpException($"cannot write safetensors file {path}: a tensor entry is null");
                var where = $"cannot write safetensors file {path}: tensor {SafetensorsFile.Quote(entry.Name ?? "")}";
                if (entry.Name is null) throw new InterpException($"{where} has a null name");
                if (entry.Name == "__metadata__") throw new InterpException($"{where} uses the reserved name");
                if (!names.Add(entry.Name)) throw new InterpException($"{where} appears twice");
                if (entry.Shape is null) throw new InterpException($"{where} has a null shape");

                long expected;
                try
                {
                    expected = 1;
                    foreach (var d in entry.Shape)
                    {
                        if (d < 0)
                            throw new InterpException($"{where} has shape {SafetensorsFile.FormatShape(entry.Shape)} with negative dimension {d}");
                        expected = checked(expected * d);
                    }
                    expected = checked(expected * entry.Dtype.ElementSize());
                }
                catch (OverflowException)
                {
                    throw new InterpException($"{where} has shape {SafetensorsFile.FormatShape(entry.Shape)} whose size overflows 64 bits");
                }
                if (entry.Data.Length != expected)
                    throw new InterpException(
                        $"{where} has {entry.Data.Length} bytes of data, but shape {SafetensorsFile.FormatShape(entry.Shape)} of {entry.Dtype.ToFormatString()} needs {expected}");

                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.Dtype.ToFormatString());
                json.WriteStartArray("shape");
                foreach (var d in entry.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + expected);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += expected;
            }
            json.WriteEndObject();
        }

        // Pad with spaces so the data section starts 8-byte aligned, as the reference implementation does.
        var length = buffer.WrittenCount;
        var padded = (length + 7) / 8 * 8;
        if (padded > SafetensorsFile.MaxHeaderLength)
            throw new InterpException($"cannot write safetensors file {path}: header would be {padded} bytes, over the {SafetensorsFile.MaxHeaderLength}-byte limit");
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original failure is the one worth reporting.
        }
    }

    /// <summary>Views a <see cref="ReadOnlyMemory{T}"/> of floats as bytes without copying.</summary>
    private sealed unsafe class FloatBytesMemoryManager(ReadOnlyMemory<float> source) : MemoryManager<byte>
    {
        private readonly Memory<float> _source = MemoryMarshal.AsMemory(source);
        private readonly Stack<MemoryHandle> _pins = new();

        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(_source.Span);

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _source.Length * sizeof(float));
            var inner = _source.Pin();
            lock (_pins) _pins.Push(inner);
            return new MemoryHandle((byte*)inner.Pointer + elementIndex, default, this);
        }

        public override void Unpin()
        {
            MemoryHandle inner;
            lock (_pins)
            {
                if (!_pins.TryPop(out inner)) return;
            }
            inner.Dispose();
        }

        protected override void Dispose(bool disposing)
        {
            lock (_pins)
            {
                while (_pins.TryPop(out var inner)) inner.Dispose();
            }
        }
    }
}
