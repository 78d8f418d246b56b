using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Interp.Core.Store;

/// <summary>
/// A block of activation rows: the index columns and the activations row-major <c>[Rows × D]</c>. Arrays may be
/// longer than <see cref="Rows"/> (they are reused across reads).
/// </summary>
public sealed class ActivationRows
{
    /// <summary>Rows held.</summary>
    public int Rows { get; private set; }

    /// <summary>Activation width.</summary>
    public int D { get; private set; }

    /// <summary>Global context index of each row.</summary>
    public long[] Context { get; private set; } = [];

    /// <summary>Position within its context of each row.</summary>
    public int[] Position { get; private set; } = [];

    /// <summary>Token id of each row.</summary>
    public int[] Token { get; private set; } = [];

    /// <summary>Row-major activations; row <c>r</c> is <c>[r × D, (r + 1) × D)</c>. Empty when only the index columns were read.</summary>
    public float[] Activations { get; private set; } = [];

    /// <summary>Row <paramref name="row"/>'s activation vector.</summary>
    public Span<float> Row(int row) => Activations.AsSpan(row * D, D);

    internal void Reset(int rows, int d, bool activations)
    {
        (Rows, D) = (rows, d);
        if (Context.Length < rows)
        {
            Context = new long[rows];
            Position = new int[rows];
            Token = new int[rows];
        }
        if (activations && Activations.Length < (long)rows * d) Activations = GC.AllocateUninitializedArray<float>(checked(rows * d));
    }
}

/// <summary>
/// Reads an activation shard written by <see cref="ParquetShardWriter"/> (or any Parquet file with the same schema,
/// uncompressed PLAIN data pages v1): parses the footer, checks the schema, and decodes row groups straight into
/// row-major float32. Every problem is an <see cref="InterpException"/> naming the file. Thread-safe for concurrent
/// <see cref="ReadRowGroup"/> calls (positional reads).
/// </summary>
public sealed class ParquetShardFile : IDisposable
{
    private const int IndexColumns = 3;
    private readonly SafeFileHandle _handle;
    private readonly RowGroupMeta[] _rowGroups;

    private ParquetShardFile(string path, SafeFileHandle handle, int d, ActivationDtype dtype, RowGroupMeta[] rowGroups,
        IReadOnlyDictionary<string, string> metadata)
    {
        (Path, _handle, D, Dtype, _rowGroups, Metadata) = (path, handle, d, dtype, rowGroups, metadata);
        Rows = rowGroups.Sum(g => g.Rows);
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Activation width (number of <c>aNNNN</c> columns).</summary>
    public int D { get; }

    /// <summary>How activations are stored.</summary>
    public ActivationDtype Dtype { get; }

    /// <summary>Total rows.</summary>
    public long Rows { get; }

    /// <summary>Number of row groups.</summary>
    public int RowGroupCount => _rowGroups.Length;

    /// <summary>The file's key-value metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Rows in row group <paramref name="index"/>.</summary>
    public int RowGroupRows(int index) => _rowGroups[index].Rows;

    /// <summary>Opens <paramref name="path"/> and reads its footer.</summary>
    /// <exception cref="InterpException">Missing, truncated, not Parquet, or not an activation shard; the message names the file.</exception>
    public static ParquetShardFile Open(string path)
    {
        if (!File.Exists(path)) throw new InterpException($"{path}: missing");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length < 12) throw new InterpException($"{path}: truncated ({length} bytes; not a complete Parquet file)");
            Span<byte> edge = stackalloc byte[8];
            RandomAccess.Read(handle, edge[..4], 0);
            if (!edge[..4].SequenceEqual("PAR1"u8)) throw new InterpException($"{path}: not a Parquet file (no PAR1 magic at the start)");
            RandomAccess.Read(handle, edge, length - 8);
            if (!edge[4..].SequenceEqual("PAR1"u8)) throw new InterpException($"{path}: truncated (no PAR1 magic at the end; {length} bytes)");
            var footerLength = BitConverter.ToInt32(edge);
            if (footerLength <= 0 || footerLength > length - 12) throw new InterpException($"{path}: damaged footer (length {footerLength} in a {length}-byte file)");
            var footer = new byte[footerLength];
            RandomAccess.Read(handle, footer, length - 8 - footerLength);
            var (schema, rowGroups, metadata) = ParseFooter(path, footer);
            var (d, dtype) = CheckSchema(path, schema);
            foreach (var group in rowGroups) CheckRowGroup(path, group, d, length - 8 - footerLength);
            return new ParquetShardFile(path, handle, d, dtype, rowGroups, metadata);
        }
        catch (FormatException e)
        {
            handle.Dispose();
            throw new InterpException($"{path}: damaged Parquet footer ({e.Message})");
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads row group <paramref name="index"/> into <paramref name="into"/>: the index columns always, the activations
    /// (converted to float32, row-major) when <paramref name="activations"/> is true.
    /// </summary>
    public void ReadRowGroup(int index, ActivationRows into, bool activations = true)
    {
        var group = _rowGroups[index];
        var columns = activations ? group.Columns : group.Columns[..IndexColumns];
        var start = columns[0].Start;
        var end = columns[^1].Start + columns[^1].Size;
        var length = checked((int)(end - start));
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var read = RandomAccess.Read(_handle, buffer.AsSpan(0, length), start);
            if (read != length) throw new InterpException($"{Path}: truncated (row group {index} ends past the end of the file)");
            into.Reset(group.Rows, D, activations);
            var bytes = buffer.AsSpan(0, length);
            var pages = new Page[columns.Length];
            for (var c = 0; c < columns.Length; c++) pages[c] = DataPage(bytes, columns[c], start, group.Rows, index, c);
            Copy(bytes, pages[0], into.Context.AsSpan(0, group.Rows));
            Copy(bytes, pages[1], into.Position.AsSpan(0, group.Rows));
            Copy(bytes, pages[2], into.Token.AsSpan(0, group.Rows));
            if (activations) Transpose(bytes, pages.AsSpan(IndexColumns), group.Rows, into.Activations);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private readonly record struct Page(int Offset, int Length);

    // One column chunk = one PLAIN data page here (the store's writer never splits a chunk); anything else is refused.
    private Page DataPage(ReadOnlySpan<byte> bytes, ColumnMeta column, long start, int rows, int group, int c)
    {
        var at = (int)(column.Start - start);
        var reader = new ThriftCompactReader(bytes.Slice(at, (int)column.Size));
        int type = -1, uncompressed = -1, compressed = -1, values = -1, encoding = -1;
        try
        {
            short last = 0;
            while (reader.NextField(ref last, out var t, out var id))
            {
                switch (id)
                {
                    case 1 when t == ThriftType.I32: type = reader.I32(); break;
                    case 2 when t == ThriftType.I32: uncompressed = reader.I32(); break;
                    case 3 when t == ThriftType.I32: compressed = reader.I32(); break;
                    case 5 when t == ThriftType.Struct:
                        short inner = 0;
                        while (reader.NextField(ref inner, out var t2, out var id2))
                        {
                            if (id2 == 1 && t2 == ThriftType.I32) values = reader.I32();
                            else if (id2 == 2 && t2 == ThriftType.I32) encoding = reader.I32();
                            else reader.Skip(t2);
                        }
                        break;
                    default: reader.Skip(t); break;
                }
            }
        }
        catch (FormatException e)
        {
            throw new InterpException($"{Path}: damaged page header in row group {group}, column {c} ({e.Message})");
        }
        var width = c < IndexColumns ? (c == 0 ? 8 : 4) : ActivationSchema.BytesPerValue(Dtype);
        if (type != 0 || encoding != 0 || values != rows || compressed != uncompressed || compressed != (long)rows * width ||
            reader.Position + compressed != column.Size)
            throw new InterpException($"{Path}: row group {group}, column {c}: unsupported or damaged page (expected one uncompressed PLAIN data page of {rows} values)");
        return new Page(at + reader.Position, compressed);
    }

    private static void Copy<T>(ReadOnlySpan<byte> bytes, Page page, Span<T> into) where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(bytes.Slice(page.Offset, page.Length)).CopyTo(into);

    // Column pages → row-major rows (8 × 8 blocks, 8 output rows at a time across all columns; see BlockTranspose).
    // float16 pages are first widened to float32 (vectorised) into a column-major scratch buffer.
    private unsafe void Transpose(ReadOnlySpan<byte> bytes, ReadOnlySpan<Page> pages, int rows, float[] into)
    {
        var d = D;
        float[]? widened = null;
        var columnStarts = ArrayPool<nint>.Shared.Rent(d);
        var rowStarts = ArrayPool<nint>.Shared.Rent(rows);
        try
        {
            if (Dtype == ActivationDtype.Float16)
            {
                widened = ArrayPool<float>.Shared.Rent(checked(rows * d));
                for (var j = 0; j < d; j++)
                    HalfConversion.ToSingle(MemoryMarshal.Cast<byte, Half>(bytes.Slice(pages[j].Offset, pages[j].Length)), widened.AsSpan(j * rows, rows));
            }
            fixed (byte* input = bytes)
            fixed (float* scratch = widened)
            fixed (float* output = into)
            fixed (nint* sources = columnStarts)
            fixed (nint* targets = rowStarts)
            {
                // float32 pages may start unaligned: the AVX loads do not care.
                for (var j = 0; j < d; j++) sources[j] = widened is null ? (nint)(input + pages[j].Offset) : (nint)(scratch + (long)j * rows);
                for (var r = 0; r < rows; r++) targets[r] = (nint)(output + (long)r * d);
                BlockTranspose.Transpose((float**)sources, 0, d, (float**)targets, 0, rows, columnsOuter: true);
            }
        }
        finally
        {
            if (widened is not null) ArrayPool<float>.Shared.Return(widened);
            ArrayPool<nint>.Shared.Return(columnStarts);
            ArrayPool<nint>.Shared.Return(rowStarts);
        }
    }

    private sealed record SchemaElement(string Name, int? Type, int? TypeLength, int? Repetition, int? Children, bool Float16);

    private sealed record ColumnMeta(string Name, int Type, int Codec, long Values, long Start, long Size);

    private sealed record RowGroupMeta(ColumnMeta[] Columns, int Rows);

    private static (List<SchemaElement>, RowGroupMeta[], Dictionary<string, string>) ParseFooter(string path, ReadOnlySpan<byte> footer)
    {
        var reader = new ThriftCompactReader(footer);
        var schema = new List<SchemaElement>();
        var rowGroups = new List<RowGroupMeta>();
        var metadata = new Dictionary<string, string>();
        short last = 0;
        while (reader.NextField(ref last, out var type, out var id))
        {
            switch (id)
            {
                case 2 when type == ThriftType.List:
                    reader.ListHeader(out _, out var count);
                    for (var i = 0; i < count; i++) schema.Add(ParseSchemaElement(ref reader));
                    break;
                case 4 when type == ThriftType.List:
                    reader.ListHeader(out _, out var groups);
                    for (var i = 0; i < groups; i++) rowGroups.Add(ParseRowGroup(path, ref reader));
                    break;
                case 5 when type == ThriftType.List:
                    reader.ListHeader(out _, out var pairs);
                    for (var i = 0; i < pairs; i++)
                    {
                        string? key = null, value = null;
                        short kvLast = 0;
                        while (reader.NextField(ref kvLast, out var t, out var kvId))
                        {
                            if (kvId == 1 && t == ThriftType.Binary) key = reader.String();
                            else if (kvId == 2 && t == ThriftType.Binary) value = reader.String();
                            else reader.Skip(t);
                        }
                        if (key is not null) metadata[key] = value ?? "";
                    }
                    break;
                default: reader.Skip(type); break;
            }
        }
        return (schema, rowGroups.ToArray(), metadata);
    }

    private static SchemaElement ParseSchemaElement(ref ThriftCompactReader reader)
    {
        string name = "";
        int? type = null, length = null, repetition = null, children = null;
        var float16 = false;
        short last = 0;
        while (reader.NextField(ref last, out var t, out var id))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: type = reader.I32(); break;
                case 2 when t == ThriftType.I32: length = reader.I32(); break;
                case 3 when t == ThriftType.I32: repetition = reader.I32(); break;
                case 4 when t == ThriftType.Binary: name = reader.String(); break;
                case 5 when t == ThriftType.I32: children = reader.I32(); break;
                case 10 when t == ThriftType.Struct:
                    short inner = 0;
                    while (reader.NextField(ref inner, out var lt, out var logical))
                    {
                        if (logical == 15) float16 = true;
                        reader.Skip(lt);
                    }
                    break;
                default: reader.Skip(t); break;
            }
        }
        return new SchemaElement(name, type, length, repetition, children, float16);
    }

    private static RowGroupMeta ParseRowGroup(string path, ref ThriftCompactReader reader)
    {
        var columns = new List<ColumnMeta>();
        long rows = -1;
        short last = 0;
        while (reader.NextField(ref last, out var t, out var id))
        {
            if (id == 1 && t == ThriftType.List)
            {
                reader.ListHeader(out _, out var count);
                for (var i = 0; i < count; i++) columns.Add(ParseColumnChunk(path, ref reader));
            }
            else if (id == 3 && t == ThriftType.I64) rows = reader.I64();
            else reader.Skip(t);
        }
        if (rows < 0 || rows > int.MaxValue) throw new FormatException($"row group with {rows} rows");
        return new RowGroupMeta(columns.ToArray(), (int)rows);
    }

    private static ColumnMeta ParseColumnChunk(string path, ref ThriftCompactReader reader)
    {
        ColumnMeta? meta = null;
        short last = 0;
        while (reader.NextField(ref last, out var t, out var id))
        {
            if (id == 1 && t == ThriftType.Binary) throw new InterpException($"{path}: column chunks in other files are not supported");
            if (id != 3 || t != ThriftType.Struct) { reader.Skip(t); continue; }
            int type = -1, codec = -1;
            long values = -1, size = -1, dataOffset = -1, dictionaryOffset = -1;
            string name = "";
            short inner = 0;
            while (reader.NextField(ref inner, out var t2, out var id2))
            {
                switch (id2)
                {
                    case 1 when t2 == ThriftType.I32: type = reader.I32(); break;
                    case 3 when t2 == ThriftType.List:
                        reader.ListHeader(out _, out var parts);
                        var names = new string[parts];
                        for (var i = 0; i < parts; i++) names[i] = reader.String();
                        name = string.Join('.', names);
                        break;
                    case 4 when t2 == ThriftType.I32: codec = reader.I32(); break;
                    case 5 when t2 == ThriftType.I64: values = reader.I64(); break;
                    case 7 when t2 == ThriftType.I64: size = reader.I64(); break;
                    case 9 when t2 == ThriftType.I64: dataOffset = reader.I64(); break;
                    case 11 when t2 == ThriftType.I64: dictionaryOffset = reader.I64(); break;
                    default: reader.Skip(t2); break;
                }
            }
            if (dictionaryOffset >= 0) throw new InterpException($"{path}: column '{name}' is dictionary-encoded (unsupported; the store writes PLAIN pages)");
            meta = new ColumnMeta(name, type, codec, values, dataOffset, size);
        }
        return meta ?? throw new FormatException("column chunk without metadata");
    }

    private static (int D, ActivationDtype Dtype) CheckSchema(string path, List<SchemaElement> schema)
    {
        if (schema.Count < 5 || schema[0].Children != schema.Count - 1)
            throw new InterpException($"{path}: not an activation shard (expected columns context, position, token, a0000, …)");
        var d = schema.Count - 1 - IndexColumns;
        var dtype = schema[1 + IndexColumns].Type == ParquetType.FixedLenByteArray ? ActivationDtype.Float16 : ActivationDtype.Float32;
        for (var c = 0; c < schema.Count - 1; c++)
        {
            var e = schema[c + 1];
            var (name, type) = c switch
            {
                0 => (ActivationSchema.ContextColumn, ParquetType.Int64),
                1 => (ActivationSchema.PositionColumn, ParquetType.Int32),
                2 => (ActivationSchema.TokenColumn, ParquetType.Int32),
                _ => (ActivationSchema.ActivationColumn(c - IndexColumns), dtype == ActivationDtype.Float16 ? ParquetType.FixedLenByteArray : ParquetType.Float),
            };
            if (e.Name != name || e.Type != type || e.Repetition is not (null or 0) || e.Children is > 0 ||
                (type == ParquetType.FixedLenByteArray && (e.TypeLength != 2 || !e.Float16)))
                throw new InterpException($"{path}: column {c} is '{e.Name}' ({ParquetType.Name(e.Type ?? -1)}{(e.Float16 ? " FLOAT16" : "")}); " +
                                          $"expected '{name}' ({ParquetType.Name(type)}{(type == ParquetType.FixedLenByteArray ? " FLOAT16" : "")}, required)");
        }
        return (d, dtype);
    }

    private static void CheckRowGroup(string path, RowGroupMeta group, int d, long dataEnd)
    {
        if (group.Columns.Length != d + IndexColumns)
            throw new InterpException($"{path}: a row group has {group.Columns.Length} column chunks; the schema has {d + IndexColumns} columns");
        long previousEnd = 4;
        foreach (var column in group.Columns)
        {
            if (column.Codec != 0) throw new InterpException($"{path}: column '{column.Name}' is compressed (codec {column.Codec}); the store reads uncompressed shards");
            if (column.Values != group.Rows) throw new InterpException($"{path}: column '{column.Name}' has {column.Values} values in a row group of {group.Rows} rows");
            if (column.Start < previousEnd || column.Size <= 0 || column.Start + column.Size > dataEnd)
                throw new InterpException($"{path}: column '{column.Name}' chunk lies outside the file's data or out of order");
            previousEnd = column.Start + column.Size;
        }
    }
}
