using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>The mutable state of a run; owns the SAE (until handed to the caller), the optimizer and the counters.</summary>
internal sealed class SaeRunState(SparseAutoencoder sae, Adam optimizer, Tensor tokensSinceFired, int step, long tokens)
{
    public SparseAutoencoder Sae { get; } = sae;
    public Adam Optimizer { get; } = optimizer;
    public Tensor TokensSinceFired { get; } = tokensSinceFired;                           // int64 [d_sae]
    public int Step { get; set; } = step;
    public long Tokens { get; set; } = tokens;

    public void Dispose(bool keepSae)
    {
        Optimizer.Dispose();
        TokensSinceFired.Dispose();
        if (!keepSae) Sae.Dispose();
    }
}
