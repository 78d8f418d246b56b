using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Interp.Core.Store;

/// <summary>A finished shard file: its row count, size and SHA-256 (lower-case hex) of the whole file.</summary>
public sealed record ShardFileInfo(long Rows, long Bytes, string Sha256);

/// <summary>
/// Writes one activation shard as a Parquet file (schema in <see cref="ActivationSchema"/>): rows are appended in
/// row-major float32 form, buffered column-major for the current row group, and written on <see cref="FlushRowGroup"/>
/// as one uncompressed PLAIN data page per column (Parquet format 1, data page v1: what DuckDB, Arrow, pandas and Spark
/// read). The output is a pure function of the rows and row-group boundaries (no timestamps, no writer version), so the
/// same rows always give the same bytes and the same SHA-256, which is computed while writing.
/// </summary>
/// <remarks>
/// Not thread-safe; one writer per file. Memory: one row group (<c>rowGroupCapacity</c> rows) of column buffers.
/// <see cref="Dispose"/> without <see cref="Complete"/> leaves a partial file behind (as a crash would).
/// </remarks>
public sealed class ParquetShardWriter : IDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly int _d, _capacity;
    private readonly ActivationDtype _dtype;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _metadata;
    private readonly long[] _context;
    private readonly int[] _position, _token;
    private readonly float[] _columns;   // column-major: dimension j at [j * capacity, j * capacity + count); pinned
    private readonly nint[] _columnStarts;
    private readonly Half[]? _half;      // one column converted to float16, when storing float16
    private readonly List<RowGroupEntry> _rowGroups = [];
    private long _offset, _rows;
    private int _count;
    private bool _completed;

    private ParquetShardWriter(FileStream file, int d, ActivationDtype dtype, int capacity, IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        (_file, _d, _dtype, _capacity, _metadata) = (file, d, dtype, capacity, metadata);
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
        if (dtype == ActivationDtype.Float16) _half = GC.AllocateUninitializedArray<Half>(capacity);
        Write(Magic);
    }

    /// <summary>Path of the file being written.</summary>
    public string Path => _file.Name;

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
        // Unbuffered: whole column pages go straight to the kernel (a FileStream buffer here cost a third of the speed).
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        return new ParquetShardWriter(file, d, dtype, rowGroupCapacity, metadata ?? []);
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
        var columns = new List<ColumnEntry>(_d + 3)
        {
            WriteColumn(ParquetType.Int64, MemoryMarshal.AsBytes(_context.AsSpan(0, n)), n, IntStats(_context.AsSpan(0, n))),
            WriteColumn(ParquetType.Int32, MemoryMarshal.AsBytes(_position.AsSpan(0, n)), n, IntStats(_position.AsSpan(0, n))),
            WriteColumn(ParquetType.Int32, MemoryMarshal.AsBytes(_token.AsSpan(0, n)), n, IntStats(_token.AsSpan(0, n))),
        };
        for (var j = 0; j < _d; j++)
        {
            var column = _columns.AsSpan(j * _capacity, n);
            if (_half is not null)
            {
                HalfConversion.ToHalf(column, _half);
                columns.Add(WriteColumn(ParquetType.FixedLenByteArray, MemoryMarshal.AsBytes(_half.AsSpan(0, n)), n, null));
            }
            else columns.Add(WriteColumn(ParquetType.Float, MemoryMarshal.AsBytes(column), n, null));
        }
        _rowGroups.Add(new RowGroupEntry(columns, n));
        _rows += n;
        _count = 0;
    }

    /// <summary>Flushes, writes the footer and closes the file; returns its row count, size and SHA-256.</summary>
    public ShardFileInfo Complete()
    {
        if (_completed) throw new InvalidOperationException("already completed");
        FlushRowGroup();
        var footer = Footer();
        Write(footer);
        Span<byte> tail = stackalloc byte[8];
        BitConverter.TryWriteBytes(tail, footer.Length);
        Magic.CopyTo(tail[4..]);
        Write(tail);
        _file.Flush();
        _file.Dispose();
        _completed = true;
        return new ShardFileInfo(_rows, _offset, Convert.ToHexStringLower(_hash.GetHashAndReset()));
    }

    /// <summary>Closes the file (left partial unless <see cref="Complete"/> ran).</summary>
    public void Dispose()
    {
        _file.Dispose();
        _hash.Dispose();
    }

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

    private ColumnEntry WriteColumn(int type, ReadOnlySpan<byte> values, int n, (byte[] Min, byte[] Max)? stats)
    {
        var start = _offset;
        var header = new ThriftCompactWriter();
        header.StructBegin();                       // PageHeader
        header.I32(1, 0);                           // type: DATA_PAGE
        header.I32(2, values.Length);               // uncompressed_page_size
        header.I32(3, values.Length);               // compressed_page_size
        header.StructField(5);                      // data_page_header
        header.I32(1, n);                           // num_values
        header.I32(2, 0);                           // encoding: PLAIN
        header.I32(3, 3);                           // definition_level_encoding: RLE (no levels: required column)
        header.I32(4, 3);                           // repetition_level_encoding: RLE
        header.StructEnd();
        header.StructEnd();
        Write(header.Written);
        Write(values);
        return new ColumnEntry(type, start, _offset - start, n, stats);
    }

    private static (byte[] Min, byte[] Max) IntStats(ReadOnlySpan<long> values)
    {
        var (min, max) = (long.MaxValue, long.MinValue);
        foreach (var v in values) (min, max) = (Math.Min(min, v), Math.Max(max, v));
        return (PlainEncoding.Int64(min), PlainEncoding.Int64(max));
    }

    private static (byte[] Min, byte[] Max) IntStats(ReadOnlySpan<int> values)
    {
        var (min, max) = (int.MaxValue, int.MinValue);
        foreach (var v in values) (min, max) = (Math.Min(min, v), Math.Max(max, v));
        return (PlainEncoding.Int32(min), PlainEncoding.Int32(max));
    }

    private byte[] Footer()
    {
        var names = new List<string> { ActivationSchema.ContextColumn, ActivationSchema.PositionColumn, ActivationSchema.TokenColumn };
        for (var j = 0; j < _d; j++) names.Add(ActivationSchema.ActivationColumn(j));
        var w = new ThriftCompactWriter();
        w.StructBegin();                                                     // FileMetaData
        w.I32(1, 1);                                                         // version
        w.ListField(2, ThriftType.Struct, names.Count + 1);                  // schema
        w.StructBegin();
        w.String(4, "schema");
        w.I32(5, names.Count);                                               // num_children
        w.StructEnd();
        for (var c = 0; c < names.Count; c++)
        {
            w.StructBegin();                                                 // SchemaElement
            var type = c switch { 0 => ParquetType.Int64, 1 or 2 => ParquetType.Int32, _ => ActivationType };
            w.I32(1, type);
            if (type == ParquetType.FixedLenByteArray) w.I32(2, 2);          // type_length
            w.I32(3, 0);                                                     // repetition_type: REQUIRED
            w.String(4, names[c]);
            if (type == ParquetType.FixedLenByteArray)
            {
                w.StructField(10);                                           // logicalType (union)
                w.StructField(15);                                           // FLOAT16
                w.StructEnd();
                w.StructEnd();
            }
            w.StructEnd();
        }
        w.I64(3, _rows);                                                     // num_rows
        w.ListField(4, ThriftType.Struct, _rowGroups.Count);                 // row_groups
        foreach (var group in _rowGroups)
        {
            w.StructBegin();                                                 // RowGroup
            w.ListField(1, ThriftType.Struct, group.Columns.Count);
            long total = 0;
            for (var c = 0; c < group.Columns.Count; c++)
            {
                var column = group.Columns[c];
                total += column.Size;
                w.StructBegin();                                             // ColumnChunk
                w.I64(2, column.Offset);                                     // file_offset
                w.StructField(3);                                            // meta_data
                w.I32(1, column.Type);
                w.ListField(2, ThriftType.I32, 1);
                w.ListI32(0);                                                // encodings: PLAIN
                w.ListField(3, ThriftType.Binary, 1);
                w.ListString(names[c]);                                      // path_in_schema
                w.I32(4, 0);                                                 // codec: UNCOMPRESSED
                w.I64(5, column.Values);                                     // num_values
                w.I64(6, column.Size);                                       // total_uncompressed_size
                w.I64(7, column.Size);                                       // total_compressed_size
                w.I64(9, column.Offset);                                     // data_page_offset
                if (column.Stats is ({ } min, { } max))
                {
                    w.StructField(12);                                       // statistics
                    w.I64(3, 0);                                             // null_count
                    w.Binary(5, max);                                        // max_value
                    w.Binary(6, min);                                        // min_value
                    w.StructEnd();
                }
                w.StructEnd();
                w.StructEnd();
            }
            w.I64(2, total);                                                 // total_byte_size
            w.I64(3, group.Rows);                                            // num_rows
            w.I64(5, group.Columns[0].Offset);                               // file_offset
            w.I64(6, total);                                                 // total_compressed_size
            w.StructEnd();
        }
        if (_metadata.Count > 0)
        {
            w.ListField(5, ThriftType.Struct, _metadata.Count);              // key_value_metadata
            foreach (var (key, value) in _metadata)
            {
                w.StructBegin();
                w.String(1, key);
                w.String(2, value);
                w.StructEnd();
            }
        }
        w.String(6, "interp");                                               // created_by
        w.StructEnd();
        return w.Written.ToArray();
    }

    private int ActivationType => _dtype == ActivationDtype.Float16 ? ParquetType.FixedLenByteArray : ParquetType.Float;

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _file.Write(bytes);
        _hash.AppendData(bytes);
        _offset += bytes.Length;
    }

    private sealed record ColumnEntry(int Type, long Offset, long Size, int Values, (byte[] Min, byte[] Max)? Stats);

    private sealed record RowGroupEntry(List<ColumnEntry> Columns, int Rows);
}

/// <summary>Parquet physical type codes.</summary>
internal static class ParquetType
{
    public const int Boolean = 0, Int32 = 1, Int64 = 2, Int96 = 3, Float = 4, Double = 5, ByteArray = 6, FixedLenByteArray = 7;

    public static string Name(int type) => type switch
    {
        Boolean => "BOOLEAN", Int32 => "INT32", Int64 => "INT64", Int96 => "INT96", Float => "FLOAT", Double => "DOUBLE",
        ByteArray => "BYTE_ARRAY", FixedLenByteArray => "FIXED_LEN_BYTE_ARRAY", _ => $"type {type}",
    };
}
