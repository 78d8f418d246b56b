using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Interp.Records;

/// <summary>Copies between tensors and plain arrays through their raw bytes (several times faster than element accessors).</summary>
internal static class TensorArrays
{
    /// <summary>The values of <paramref name="t"/> as float32, in row-major order, on the CPU.</summary>
    public static float[] ToFloats(Tensor t)
    {
        using var cpu = t.to(ScalarType.Float32).cpu().contiguous();
        return MemoryMarshal.Cast<byte, float>(cpu.bytes).ToArray();
    }

    /// <summary>A new CPU float32 tensor of <paramref name="shape"/> holding <paramref name="values"/>.</summary>
    public static Tensor FromFloats(float[] values, long[] shape)
    {
        var t = empty(shape, ScalarType.Float32);
        t.bytes = MemoryMarshal.AsBytes(values.AsSpan());
        return t;
    }
}
