using System.Buffers;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model;

/// <summary>
/// A <see cref="Memory{T}"/> view of a contiguous CPU tensor's bytes, without copying them. The tensor must stay alive
/// (undisposed) while the memory is used.
/// </summary>
internal sealed unsafe class TensorMemory : MemoryManager<byte>
{
    private readonly Tensor _tensor;

    public TensorMemory(Tensor tensor)
    {
        if (tensor.device.type != DeviceType.CPU || !tensor.is_contiguous())
            throw new ArgumentException("a contiguous CPU tensor is required", nameof(tensor));
        _tensor = tensor;
    }

    public override Span<byte> GetSpan() => _tensor.bytes;

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        fixed (byte* start = _tensor.bytes) return new MemoryHandle(start + elementIndex);
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
