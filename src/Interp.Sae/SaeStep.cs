using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>What one training step of <see cref="SparseAutoencoder.TrainingForward"/> needs (SAELens's <c>TrainStepInput</c>).</summary>
/// <param name="X">The batch in normalised units, s·x [B, d_in].</param>
public sealed record SaeStepInput(Tensor X)
{
    /// <summary>The sparsity coefficient at this step: L1 (relu) or L0 (jumprelu), after its warm-up; unused by topk/batchtopk.</summary>
    public double SparsityCoefficient { get; init; }

    /// <summary>What to reconstruct, [B, d_out]: a transcoder's target (the output hook's rows paired with <see cref="X"/>); null: X itself.</summary>
    public Tensor? Target { get; init; }

    /// <summary>bool [d_sae]: latents counted as dead (AuxK for topk/batchtopk); null for none.</summary>
    public Tensor? DeadMask { get; init; }

    /// <summary>How many dead latents each token may use in AuxK.</summary>
    public int KAux { get; init; } = 256;

    /// <summary>The AuxK loss coefficient (1/32 in Gao et al. 2024, for the normalised loss of <see cref="SaeLosses.AuxK"/>).</summary>
    public double AuxKCoefficient { get; init; } = 1.0 / 32;

    /// <summary>ε, the JumpReLU straight-through estimator's kernel width.</summary>
    public double JumpReluBandwidth { get; init; } = 0.001;

    /// <summary>
    /// Backpropagates to the encoder through the dense pre-activations even where the architecture has a sparse encoder
    /// backward (<see cref="SparseEncode"/>; BatchTopK then also decodes its dense latents densely): the reference the
    /// sparse path is tested against.
    /// </summary>
    public bool DenseEncoderBackward { get; init; }
}

/// <summary>
/// One training step's numbers (SAELens's <c>TrainStepOutput</c>, as plain values). Losses are in normalised units:
/// <see cref="Mse"/> is the mean over tokens of ‖x̂ − x‖² summed over d_in (so <c>Mse / d_in</c> is close to the FVU).
/// </summary>
/// <param name="Loss">Mse + SparsityLoss + AuxLoss.</param>
/// <param name="Mse">The reconstruction term.</param>
/// <param name="SparsityLoss">Coefficient × weighted L1 (relu) or × L0 (jumprelu); 0 for topk and batchtopk.</param>
/// <param name="AuxLoss">Coefficient × AuxK (topk, batchtopk); 0 otherwise.</param>
/// <param name="L0">Mean number of active latents per token.</param>
/// <param name="ExplainedVariance">1 − FVU over the batch.</param>
public sealed record SaeStepOutput(double Loss, double Mse, double SparsityLoss, double AuxLoss, double L0, double ExplainedVariance);
