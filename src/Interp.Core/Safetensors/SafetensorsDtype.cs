namespace Interp.Core.Safetensors;

/// <summary>The element types a safetensors file may hold (the subset Interp reads and writes).</summary>
public enum SafetensorsDtype
{
    /// <summary>IEEE 754 double, 8 bytes (<c>"F64"</c>).</summary>
    F64,
    /// <summary>IEEE 754 single, 4 bytes (<c>"F32"</c>).</summary>
    F32,
    /// <summary>IEEE 754 half, 2 bytes (<c>"F16"</c>).</summary>
    F16,
    /// <summary>bfloat16: the top 16 bits of an F32, 2 bytes (<c>"BF16"</c>).</summary>
    BF16,
    /// <summary>Signed 64-bit integer (<c>"I64"</c>).</summary>
    I64,
    /// <summary>Signed 32-bit integer (<c>"I32"</c>).</summary>
    I32,
    /// <summary>Signed 16-bit integer (<c>"I16"</c>).</summary>
    I16,
    /// <summary>Signed 8-bit integer (<c>"I8"</c>).</summary>
    I8,
    /// <summary>Unsigned 8-bit integer (<c>"U8"</c>).</summary>
    U8,
    /// <summary>Boolean, one byte per element, 0 or 1 (<c>"BOOL"</c>).</summary>
    Bool,
}

/// <summary>Sizes and header spellings of <see cref="SafetensorsDtype"/> values.</summary>
public static class SafetensorsDtypeExtensions
{
    /// <summary>Bytes per element of <paramref name="d"/>.</summary>
    public static int ElementSize(this SafetensorsDtype d) => d switch
    {
        SafetensorsDtype.F64 or SafetensorsDtype.I64 => 8,
        SafetensorsDtype.F32 or SafetensorsDtype.I32 => 4,
        SafetensorsDtype.F16 or SafetensorsDtype.BF16 or SafetensorsDtype.I16 => 2,
        SafetensorsDtype.I8 or SafetensorsDtype.U8 or SafetensorsDtype.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, "not a safetensors dtype"),
    };

    /// <summary>The spelling used in the header's <c>"dtype"</c> field, e.g. <c>"BF16"</c> or <c>"BOOL"</c>.</summary>
    public static string ToFormatString(this SafetensorsDtype d) => d switch
    {
        SafetensorsDtype.F64 => "F64",
        SafetensorsDtype.F32 => "F32",
        SafetensorsDtype.F16 => "F16",
        SafetensorsDtype.BF16 => "BF16",
        SafetensorsDtype.I64 => "I64",
        SafetensorsDtype.I32 => "I32",
        SafetensorsDtype.I16 => "I16",
        SafetensorsDtype.I8 => "I8",
        SafetensorsDtype.U8 => "U8",
        SafetensorsDtype.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, "not a safetensors dtype"),
    };

    /// <summary>
    /// Parses a header <c>"dtype"</c> spelling (exact, case-sensitive, as the format defines it). Returns false for
    /// spellings this reader does not support (e.g. <c>"U16"</c>, <c>"F8_E4M3"</c>).
    /// </summary>
    public static bool TryParseFormatString(string? text, out SafetensorsDtype dtype)
    {
        switch (text)
        {
            case "F64": dtype = SafetensorsDtype.F64; return true;
            case "F32": dtype = SafetensorsDtype.F32; return true;
            case "F16": dtype = SafetensorsDtype.F16; return true;
            case "BF16": dtype = SafetensorsDtype.BF16; return true;
            case "I64": dtype = SafetensorsDtype.I64; return true;
            case "I32": dtype = SafetensorsDtype.I32; return true;
            case "I16": dtype = SafetensorsDtype.I16; return true;
            case "I8": dtype = SafetensorsDtype.I8; return true;
            case "U8": dtype = SafetensorsDtype.U8; return true;
            case "BOOL": dtype = SafetensorsDtype.Bool; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>True for the floating-point dtypes that <see cref="SafetensorsFile.ReadAsFloat32"/> converts.</summary>
    public static bool IsFloatingPoint(this SafetensorsDtype d) =>
        d is SafetensorsDtype.F64 or SafetensorsDtype.F32 or SafetensorsDtype.F16 or SafetensorsDtype.BF16;
}
