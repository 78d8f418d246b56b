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
