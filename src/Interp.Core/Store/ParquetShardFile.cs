using System.Buffers;
using System.Runtime.InteropServices;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;
using Type = Parquet.Meta.Type;

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

    /// <summary>
    /// Removes the rows at position 0 (a prepended BOS, whose activation is an outlier that SAE training and
    /// SAELens's evals leave out), keeping the others in order.
    /// </summary>
    internal void RemoveFirstPositions(bool activations)
    {
        var kept = 0;
        for (var r = 0; r < Rows; r++)
        {
            if (Position[r] == 0) continue;
            if (kept != r)
            {
                (Context[kept], Position[kept], Token[kept]) = (Context[r], Position[r], Token[r]);
                if (activations) Activations.AsSpan(r * D, D).CopyTo(Activations.AsSpan(kept * D, D));
            }
            kept++;
        }
        Rows = kept;
    }

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
/// Reads an activation shard written by <see cref="ParquetShardWriter"/> (or any Parquet file with the same float32
/// schema) with Parquet.Net: checks the schema from the footer and decodes row groups column by column, then turns them
/// into row-major float32. Float16 shards are read the same way except for the activation columns, which Parquet.Net
/// 6.1 cannot read (see <see cref="Float16ShardEncoder"/>): their single PLAIN pages are widened here. Every problem is
/// an <see cref="InterpException"/> naming the file. Thread-safe: <see cref="ReadRowGroup"/> calls are serialised.
/// </summary>
public sealed class ParquetShardFile : IDisposable
{
    private const int IndexColumns = 3;
    private static readonly ParquetOptions Options = new();
    private readonly WindowedFileStream _stream;
    private readonly ParquetReader _parquet;
    private readonly DataField[] _fields;
    private readonly int[] _rowGroupRows;
    private readonly (long Start, long Size)[][] _chunks;   // per row group, per column: where its column chunk lies
    private readonly Lock _gate = new();

    private ParquetShardFile(string path, WindowedFileStream stream, ParquetReader parquet, int d, ActivationDtype dtype,
        int[] rowGroupRows, (long, long)[][] chunks)
    {
        (Path, _stream, _parquet, D, Dtype, _rowGroupRows, _chunks) = (path, stream, parquet, d, dtype, rowGroupRows, chunks);
        _fields = ActivationSchema.ParquetFields(d, dtype);
        Rows = rowGroupRows.Sum(r => (long)r);
        Metadata = parquet.CustomMetadata;
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
    public int RowGroupCount => _rowGroupRows.Length;

    /// <summary>The file's key-value metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Rows in row group <paramref name="index"/>.</summary>
    public int RowGroupRows(int index) => _rowGroupRows[index];

    /// <summary>Opens <paramref name="path"/> and reads its footer.</summary>
    /// <exception cref="InterpException">Missing, truncated, not Parquet, or not an activation shard; the message names the file.</exception>
    public static ParquetShardFile Open(string path)
    {
        if (!File.Exists(path)) throw new InterpException($"{path}: missing");
        var stream = new WindowedFileStream(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess));
        ParquetReader? parquet = null;
        try
        {
            // The two magics first, for a plain reason where a file is cut short or is something else.
            var length = stream.Length;
            if (length < 12) throw new InterpException($"{path}: truncated ({length} bytes; not a complete Parquet file)");
            Span<byte> magic = stackalloc byte[4];
            RandomAccess.Read(stream.Handle, magic, 0);
            if (!magic.SequenceEqual("PAR1"u8)) throw new InterpException($"{path}: not a Parquet file (no PAR1 magic at the start)");
            RandomAccess.Read(stream.Handle, magic, length - 4);
            if (!magic.SequenceEqual("PAR1"u8)) throw new InterpException($"{path}: truncated (no PAR1 magic at the end; {length} bytes)");
            parquet = Wait(ParquetReader.CreateAsync(stream, Options, leaveStreamOpen: true));
            var footer = parquet.Metadata ?? throw new InterpException($"{path}: no Parquet footer");
            var (d, dtype) = CheckSchema(path, footer.Schema);
            var rowGroupRows = new int[footer.RowGroups.Count];
            var chunks = new (long, long)[footer.RowGroups.Count][];
            for (var g = 0; g < rowGroupRows.Length; g++) (rowGroupRows[g], chunks[g]) = CheckRowGroup(path, footer.RowGroups[g], d, dtype, length);
            return new ParquetShardFile(path, stream, parquet, d, dtype, rowGroupRows, chunks);
        }
        catch (Exception e)
        {
            if (parquet is not null) Wait(parquet.DisposeAsync().AsTask());
            stream.Dispose();
            if (e is InterpException) throw;
            throw new InterpException($"{path}: damaged Parquet file ({e.Message})");
        }
    }

    /// <summary>
    /// Reads row group <paramref name="index"/> into <paramref name="into"/>: the index columns always, the activations
    /// (converted to float32, row-major) when <paramref name="activations"/> is true.
    /// </summary>
    public void ReadRowGroup(int index, ActivationRows into, bool activations = true)
    {
        var rows = _rowGroupRows[index];
        into.Reset(rows, D, activations);
        var chunks = activations ? _chunks[index] : _chunks[index][..IndexColumns];
        var (start, end) = (chunks[0].Start, chunks[^1].Start + chunks[^1].Size);
        var columns = activations ? ArrayPool<float>.Shared.Rent(checked(rows * D)) : null;   // column-major
        try
        {
            lock (_gate)
            {
                _stream.LoadWindow(start, checked((int)(end - start)));
                try
                {
                    if (!_stream.Holds(start, end - start)) throw new InterpException($"{Path}: truncated (row group {index} ends past the end of the file)");
                    Wait(ReadColumnsAsync(index, rows, into, Dtype == ActivationDtype.Float32 ? columns : null));
                    if (columns is not null && Dtype == ActivationDtype.Float16) ReadFloat16(index, rows, columns);
                }
                finally
                {
                    _stream.ReleaseWindow();
                }
            }
            if (columns is not null) ToRows(columns, rows, into.Activations);
        }
        catch (Exception e) when (e is not InterpException)
        {
            throw new InterpException($"{Path}: row group {index} is damaged ({e.Message})");
        }
        finally
        {
            if (columns is not null) ArrayPool<float>.Shared.Return(columns);
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        Wait(_parquet.DisposeAsync().AsTask());
        _stream.Dispose();
    }

    // One asynchronous pass over the columns, waited for once: Parquet.Net hands each page read to the thread pool,
    // and waiting for every column separately (a spin, then a block) made reading 5-6 times slower. Continuations run
    // on the pool (ConfigureAwait(false)), never on a context the blocked caller might own.
    private async Task ReadColumnsAsync(int index, int rows, ActivationRows into, float[]? float32Columns)
    {
        using var group = _parquet.OpenRowGroupReader(index);
        await group.ReadAsync<long>(_fields[0], into.Context.AsMemory(0, rows)).ConfigureAwait(false);
        await group.ReadAsync<int>(_fields[1], into.Position.AsMemory(0, rows)).ConfigureAwait(false);
        await group.ReadAsync<int>(_fields[2], into.Token.AsMemory(0, rows)).ConfigureAwait(false);
        if (float32Columns is not null)
            for (var j = 0; j < D; j++) await group.ReadAsync<float>(_fields[IndexColumns + j], float32Columns.AsMemory(j * rows, rows)).ConfigureAwait(false);
    }

    // Each activation chunk of a float16 row group (in the loaded window) must be exactly the page Float16ShardEncoder writes.
    private void ReadFloat16(int index, int rows, float[] columns)
    {
        var chunks = _chunks[index].AsSpan(IndexColumns);
        var header = Float16ShardEncoder.DataPageHeader(rows, rows * sizeof(ushort));
        for (var j = 0; j < D; j++)
        {
            var chunk = _stream.Window(chunks[j].Start, (int)chunks[j].Size);
            if (chunk.Length != header.Length + rows * sizeof(ushort) || !chunk.StartsWith(header))
                throw new InterpException($"{Path}: row group {index}, column {ActivationSchema.ActivationColumn(j)}: " +
                                          $"not one uncompressed PLAIN page of {rows} float16 values (the only float16 layout read here)");
            HalfConversion.ToSingle(MemoryMarshal.Cast<byte, Half>(chunk[header.Length..]), columns.AsSpan(j * rows, rows));
        }
    }

    // Column-major [d × rows] → row-major rows (8 × 8 blocks, 8 output rows at a time across all columns; see BlockTranspose).
    private unsafe void ToRows(float[] columns, int rows, float[] into)
    {
        var d = D;
        var columnStarts = ArrayPool<nint>.Shared.Rent(d);
        var rowStarts = ArrayPool<nint>.Shared.Rent(rows);
        try
        {
            fixed (float* input = columns)
            fixed (float* output = into)
            fixed (nint* sources = columnStarts)
            fixed (nint* targets = rowStarts)
            {
                for (var j = 0; j < d; j++) sources[j] = (nint)(input + (long)j * rows);
                for (var r = 0; r < rows; r++) targets[r] = (nint)(output + (long)r * d);
                BlockTranspose.Transpose((float**)sources, 0, d, (float**)targets, 0, rows, columnsOuter: true);
            }
        }
        finally
        {
            ArrayPool<nint>.Shared.Return(columnStarts);
            ArrayPool<nint>.Shared.Return(rowStarts);
        }
    }

    // Parquet.Net's API is asynchronous; over a local file it completes in place, so waiting costs nothing.
    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(Task task) => task.GetAwaiter().GetResult();


    // Read from the footer's own schema elements: Parquet.Net 6.1 cannot build a schema with FLOAT16 columns.
    private static (int D, ActivationDtype Dtype) CheckSchema(string path, List<SchemaElement> schema)
    {
        if (schema.Count < 5 || schema[0].NumChildren != schema.Count - 1)
            throw new InterpException($"{path}: not an activation shard (expected columns context, position, token, a0000, …)");
        var d = schema.Count - 1 - IndexColumns;
        var dtype = schema[1 + IndexColumns].Type == Type.FIXED_LEN_BYTE_ARRAY ? ActivationDtype.Float16 : ActivationDtype.Float32;
        for (var c = 0; c < schema.Count - 1; c++)
        {
            var e = schema[c + 1];
            var float16 = e.LogicalType?.FLOAT16 is not null;
            var (name, type) = c switch
            {
                0 => (ActivationSchema.ContextColumn, Type.INT64),
                1 => (ActivationSchema.PositionColumn, Type.INT32),
                2 => (ActivationSchema.TokenColumn, Type.INT32),
                _ => (ActivationSchema.ActivationColumn(c - IndexColumns), dtype == ActivationDtype.Float16 ? Type.FIXED_LEN_BYTE_ARRAY : Type.FLOAT),
            };
            if (e.Name != name || e.Type != type || e.RepetitionType is not (null or FieldRepetitionType.REQUIRED) || e.NumChildren is > 0 ||
                (type == Type.FIXED_LEN_BYTE_ARRAY && (e.TypeLength != 2 || !float16)))
                throw new InterpException($"{path}: column {c} is '{e.Name}' ({e.Type?.ToString() ?? "group"}{(float16 ? " FLOAT16" : "")}); " +
                                          $"expected '{name}' ({type}{(type == Type.FIXED_LEN_BYTE_ARRAY ? "(2) FLOAT16" : "")}, required)");
        }
        return (d, dtype);
    }

    private static (int Rows, (long Start, long Size)[] Chunks) CheckRowGroup(string path, RowGroup group, int d, ActivationDtype dtype, long length)
    {
        if (group.NumRows is < 0 or > int.MaxValue) throw new InterpException($"{path}: a row group has {group.NumRows} rows");
        if (group.Columns.Count != d + IndexColumns)
            throw new InterpException($"{path}: a row group has {group.Columns.Count} column chunks; the schema has {d + IndexColumns} columns");
        var chunks = new (long Start, long Size)[group.Columns.Count];
        long previousEnd = 4;
        for (var c = 0; c < chunks.Length; c++)
        {
            var column = group.Columns[c];
            var meta = column.MetaData ?? throw new InterpException($"{path}: column chunk {c} has no metadata");
            var name = string.Join('.', meta.PathInSchema);
            if (column.FilePath is not null) throw new InterpException($"{path}: column '{name}' lies in another file (unsupported)");
            if (meta.NumValues != group.NumRows) throw new InterpException($"{path}: column '{name}' has {meta.NumValues} values in a row group of {group.NumRows} rows");
            var start = meta.DictionaryPageOffset ?? meta.DataPageOffset;
            if (start < previousEnd || meta.TotalCompressedSize <= 0 || start + meta.TotalCompressedSize > length - 8)
                throw new InterpException($"{path}: column '{name}' chunk lies outside the file's data or out of order");
            if (c >= IndexColumns && dtype == ActivationDtype.Float16 && (meta.Codec != CompressionCodec.UNCOMPRESSED || meta.DictionaryPageOffset is not null))
                throw new InterpException($"{path}: float16 column '{name}' is compressed or dictionary-encoded; only uncompressed PLAIN float16 pages are read");
            chunks[c] = (start, meta.TotalCompressedSize);
            // Parquet.Net decodes a chunk's statistics on every read of it (after a search of the schema by name, which
            // grows with d); nothing here uses them, so dropping them from the parsed footer halves the cost of a read.
            meta.Statistics = null!;
            previousEnd = start + meta.TotalCompressedSize;
        }
        return ((int)group.NumRows, chunks);
    }
}
