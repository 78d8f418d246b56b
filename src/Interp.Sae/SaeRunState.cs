using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>The mutable state of a run; owns the SAE (until handed to the caller), the optimizer and the counters.</summary>
internal sealed class SaeRunState(SparseAutoencoder sae, Adam optimizer, Tensor stepsSinceFired, int step, long tokens)
{
    public SparseAutoencoder Sae { get; } = sae;
    public Adam Optimizer { get; } = optimizer;
    public Tensor StepsSinceFired { get; } = stepsSinceFired;                             // int64 [d_sae], SAELens's n_forward_passes_since_fired
    public int Step { get; set; } = step;
    public long Tokens { get; set; } = tokens;

    public void Dispose(bool keepSae)
    {
        Optimizer.Dispose();
        StepsSinceFired.Dispose();
        if (!keepSae) Sae.Dispose();
    }
}
