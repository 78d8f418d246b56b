using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Parquet;
using Parquet.Schema;

namespace Interp.Core.Store;

/// <summary>A finished shard file: its row count, size and SHA-256 (lower-case hex) of the whole file.</summary>
public sealed record ShardFileInfo(long Rows, long Bytes, string Sha256);

/// <summary>
/// Writes one activation shard as a Parquet file (schema in <see cref="ActivationSchema"/>): rows are appended in
/// row-major float32 form, buffered column-major for the current row group, and handed to Parquet.Net on
/// <see cref="FlushRowGroup"/> as one uncompressed column chunk per column (float16 shards go through
/// <see cref="Float16ShardEncoder"/> instead: Parquet.Net 6.1 has no FLOAT16 columns). The output is a pure function of
/// the rows and row-group boundaries (Parquet.Net writes no timestamps; its created_by names only its version), so the
/// same rows give the same bytes and the same SHA-256, which is computed while writing.
/// </summary>
/// <remarks>
/// Not thread-safe; one writer per file. Memory: one row group (<c>rowGroupCapacity</c> rows) of column buffers, plus
/// Parquet.Net's buffer for one column chunk. <see cref="Dispose"/> without <see cref="Complete"/> leaves a partial file
/// behind, without a footer (as a crash would).
/// </remarks>
public sealed class ParquetShardWriter : IDisposable
{
    private static readonly ParquetOptions Options = new() { CompressionMethod = CompressionMethod.None };

    private readonly HashingWriteStream _output;
    private readonly ParquetWriter? _parquet;          // float32
    private readonly DataField[] _fields;
    private readonly Float16ShardEncoder? _float16;    // float16
    private readonly int _d, _capacity;
    private readonly long[] _context;
    private readonly int[] _position, _token;
    private readonly float[] _columns;   // column-major: dimension j at [j * capacity, j * capacity + count); pinned
    private readonly nint[] _columnStarts;
    private long _rows;
    private int _count;
    private bool _completed;

    private ParquetShardWriter(string path, HashingWriteStream output, int d, ActivationDtype dtype, int capacity,
        IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        (Path, _output, _d, _capacity) = (path, output, d, capacity);
        _context = new long[capacity];
        _position = new int[capacity];
        _token = new int[capacity];
        _columns = GC.AllocateUninitializedArray<float>(checked(d * capacity), pinned: true);
        _columnStarts = new nint[d];
        unsafe
        {
            var start = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_columns));
            for (var j = 0; j < d; j++) _columnStarts[j] = (nint)(start + (long)j * capacity);
        }
        _fields = ActivationSchema.ParquetFields(d, dtype);
        if (dtype == ActivationDtype.Float16) _float16 = new Float16ShardEncoder(output, d, capacity, metadata);
        else
        {
            _parquet = Wait(ParquetWriter.CreateAsync(new ParquetSchema(_fields), output, Options));
            _parquet.CustomMetadata = metadata.ToDictionary();   // keeps the given order
        }
    }

    /// <summary>Path of the file being written.</summary>
    public string Path { get; }

    /// <summary>Rows buffered for the current (unwritten) row group.</summary>
    public int BufferedRows => _count;

    /// <summary>Rows written so far, buffered rows included.</summary>
    public long Rows => _rows + _count;

    /// <summary>
    /// Creates (or replaces) <paramref name="path"/>. <paramref name="rowGroupCapacity"/> is the most rows one row group
    /// may hold; <paramref name="metadata"/> goes into the file's key-value metadata (e.g. hook name, model hash).
    /// </summary>
    public static ParquetShardWriter Create(string path, int d, ActivationDtype dtype, int rowGroupCapacity,
        IReadOnlyList<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowGroupCapacity);
        // The small default buffer gathers page headers; whole column chunks bypass it straight to the kernel.
        var output = new HashingWriteStream(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None));
        try
        {
            return new ParquetShardWriter(path, output, d, dtype, rowGroupCapacity, metadata ?? []);
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends <c>n</c> rows: <paramref name="context"/>, <paramref name="position"/> and <paramref name="token"/> of length
    /// n, and <paramref name="activations"/> row-major <c>[n × d]</c>. The row group must have room (see <see cref="FlushRowGroup"/>).
    /// </summary>
    public void AppendRows(ReadOnlySpan<long> context, ReadOnlySpan<int> position, ReadOnlySpan<int> token, ReadOnlySpan<float> activations)
    {
        var n = context.Length;
        if (position.Length != n || token.Length != n || activations.Length != (long)n * _d)
            throw new ArgumentException($"row arrays disagree: {n} contexts, {position.Length} positions, {token.Length} tokens, {activations.Length} values for d={_d}");
        if (_count + n > _capacity) throw new InvalidOperationException($"row group holds at most {_capacity} rows; flush first");
        context.CopyTo(_context.AsSpan(_count));
        position.CopyTo(_position.AsSpan(_count));
        token.CopyTo(_token.AsSpan(_count));
        Transpose(activations, n);
        _count += n;
    }

    /// <summary>Writes the buffered rows as one row group (nothing when none are buffered).</summary>
    public void FlushRowGroup()
    {
        if (_count == 0) return;
        var n = _count;
        if (_float16 is not null) _float16.WriteRowGroup(_context.AsSpan(0, n), _position.AsSpan(0, n), _token.AsSpan(0, n), _columns, _capacity);
        else Wait(WriteRowGroupAsync(_parquet!, n));
        _rows += n;
        _count = 0;
    }

    // One asynchronous pass over the columns, waited for once (waiting for each column separately costs a spin each);
    // continuations run on the pool, never on a context the blocked caller might own.
    private async Task WriteRowGroupAsync(ParquetWriter parquet, int n)
    {
        using var group = parquet.CreateRowGroup();
        await group.WriteAsync<long>(_fields[0], _context.AsMemory(0, n)).ConfigureAwait(false);
        await group.WriteAsync<int>(_fields[1], _position.AsMemory(0, n)).ConfigureAwait(false);
        await group.WriteAsync<int>(_fields[2], _token.AsMemory(0, n)).ConfigureAwait(false);
        for (var j = 0; j < _d; j++) await group.WriteAsync<float>(_fields[3 + j], _columns.AsMemory(j * _capacity, n)).ConfigureAwait(false);
    }

    /// <summary>Flushes, writes the footer and closes the file; returns its row count, size and SHA-256.</summary>
    public ShardFileInfo Complete()
    {
        if (_completed) throw new InvalidOperationException("already completed");
        FlushRowGroup();
        if (_float16 is not null) _float16.Complete();
        else Wait(_parquet!.DisposeAsync().AsTask());   // writes the footer
        _output.Flush();
        var info = new ShardFileInfo(_rows, _output.Length, _output.Sha256);
        _output.Dispose();
        _completed = true;
        return info;
    }

    /// <summary>Closes the file (left partial unless <see cref="Complete"/> ran).</summary>
    public void Dispose() => _output.Dispose();   // not the Parquet.Net writer: disposing it would write a footer

    // Row-major [n × d] → the column-major buffer (8 × 8 blocks; see BlockTranspose).
    private unsafe void Transpose(ReadOnlySpan<float> rows, int n)
    {
        var rowStarts = ArrayPool<nint>.Shared.Rent(n);
        try
        {
            fixed (float* source = rows)
            fixed (nint* sources = rowStarts)
            fixed (nint* targets = _columnStarts)
            {
                for (var r = 0; r < n; r++) sources[r] = (nint)(source + (long)r * _d);
                BlockTranspose.Transpose((float**)sources, 0, n, (float**)targets, _count, _d);
            }
        }
        finally
        {
            ArrayPool<nint>.Shared.Return(rowStarts);
        }
    }

    // Parquet.Net's API is asynchronous; here the stream writes synchronously, so waiting costs nothing.
    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(Task task) => task.GetAwaiter().GetResult();
}
