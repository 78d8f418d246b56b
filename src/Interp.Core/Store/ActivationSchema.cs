using Parquet.Schema;

namespace Interp.Core.Store;

/// <summary>How activation values are stored in a shard.</summary>
public enum ActivationDtype
{
    /// <summary>Parquet FLOAT (4 bytes a value): exactly the model's float32 values.</summary>
    Float32,

    /// <summary>
    /// Parquet FIXED_LEN_BYTE_ARRAY(2) with the FLOAT16 logical type (2 bytes a value, IEEE binary16, rounded to nearest
    /// even): half the disk; DuckDB reads the columns as FLOAT.
    /// </summary>
    Float16,
}

/// <summary>
/// The columns of an activation shard, in file order: <c>context</c> (INT64, the global context index),
/// <c>position</c> (INT32, 0-based within the context), <c>token</c> (INT32, the token id at that position), then one
/// column per activation dimension, <c>a0000</c>, <c>a0001</c>, … (FLOAT, or FLOAT16 for <see cref="ActivationDtype.Float16"/>).
/// Every column is required (no nulls). One row is one token position.
/// </summary>
public static class ActivationSchema
{
    /// <summary>Name of the global context index column.</summary>
    public const string ContextColumn = "context";

    /// <summary>Name of the position-in-context column.</summary>
    public const string PositionColumn = "position";

    /// <summary>Name of the token id column.</summary>
    public const string TokenColumn = "token";

    /// <summary>Bytes a row takes on disk besides its activations (context 8 + position 4 + token 4).</summary>
    public const int IndexBytesPerRow = 16;

    /// <summary>The name of activation dimension <paramref name="dimension"/>: <c>a0000</c>, <c>a0001</c>, ….</summary>
    public static string ActivationColumn(int dimension) => $"a{dimension:D4}";

    /// <summary>Bytes one stored value of <paramref name="dtype"/> takes.</summary>
    public static int BytesPerValue(ActivationDtype dtype) => dtype == ActivationDtype.Float16 ? 2 : 4;

    /// <summary>Bytes one row of width <paramref name="d"/> takes on disk (excluding Parquet framing).</summary>
    public static long BytesPerRow(int d, ActivationDtype dtype) => IndexBytesPerRow + (long)d * BytesPerValue(dtype);

    /// <summary>
    /// The columns as Parquet.Net fields: the index columns, then the float32 activation columns. Float16 shards get only
    /// the index columns: Parquet.Net 6.1 has no FLOAT16 columns (see <see cref="Float16ShardEncoder"/>).
    /// </summary>
    internal static DataField[] ParquetFields(int d, ActivationDtype dtype)
    {
        var fields = new List<DataField> { new DataField<long>(ContextColumn), new DataField<int>(PositionColumn), new DataField<int>(TokenColumn) };
        if (dtype == ActivationDtype.Float32)
            for (var j = 0; j < d; j++) fields.Add(new DataField<float>(ActivationColumn(j)));
        // Fields are attached to a schema before Parquet.Net reads or writes them.
        return new ParquetSchema(fields).DataFields;
    }

    /// <summary>The manifest spelling: <c>float32</c> or <c>float16</c>.</summary>
    public static string Name(ActivationDtype dtype) => dtype == ActivationDtype.Float16 ? "float16" : "float32";

    /// <summary>Parses <c>float32</c>/<c>float16</c> (also <c>f32</c>, <c>f16</c>, <c>fp16</c>, <c>half</c>).</summary>
    public static ActivationDtype ParseDtype(string text) => text.Trim().ToLowerInvariant() switch
    {
        "float32" or "f32" or "fp32" or "float" => ActivationDtype.Float32,
        "float16" or "f16" or "fp16" or "half" => ActivationDtype.Float16,
        _ => throw new InterpException($"dtype '{text}': expected float32 or float16"),
    };
}
