using static TorchSharp.torch;

namespace Interp.Sae.Architectures;

/// <summary>
/// SAELens <c>"jumprelu"</c>: f = pre·H(pre − θ) with a learned per-latent threshold θ = exp(log_threshold), trained
/// with straight-through estimators and an L0 penalty (Rajamanoharan et al. 2024). SAELens files store
/// <c>threshold</c>; checkpoints also keep <c>log_threshold</c> exactly.
/// </summary>
public sealed class JumpReluArchitecture : SaeArchitectureDefinition
{
    private const string LogThreshold = "log_threshold";
    private const string Threshold = "threshold";

    /// <inheritdoc />
    public override SaeArchitecture Id => SaeArchitecture.JumpRelu;

    /// <inheritdoc />
    public override string SaeLensName => "jumprelu";

    /// <inheritdoc />
    public override double DefaultSparsityCoefficient => 1.0;

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, bool Trainable)> ExtraTensors => [(LogThreshold, true)];

    internal override double InitialValue(string name, double jumpReluInitialThreshold) => Math.Log(jumpReluInitialThreshold);

    internal override Tensor Activate(SparseAutoencoder sae, Tensor pre)
    {
        using var theta = sae.Extra(LogThreshold).detach().exp();                                // [d_sae]
        return SaeActivations.Threshold(pre, theta);
    }

    internal override TrainingActivation Train(SparseAutoencoder sae, Tensor pre, SaeStepInput input)
    {
        var theta = sae.Extra(LogThreshold).exp();                                                // [d_sae], in the graph
        var latents = SaeActivations.JumpRelu(pre, theta, input.JumpReluBandwidth);
        return new TrainingActivation(new SaeStepLatents(latents), sae.DecodeNormalized(latents), input.SparsityCoefficient * SaeLosses.L0Penalty(pre, theta, input.JumpReluBandwidth));
    }

    internal override Tensor? InferenceThreshold(SparseAutoencoder sae) => sae.Extra(LogThreshold).detach().exp();

    internal override IEnumerable<(string Name, Tensor Value)> TensorsToSave(SparseAutoencoder sae, bool checkpoint)
    {
        yield return (Threshold, sae.Extra(LogThreshold).detach().exp());
        if (checkpoint) yield return (LogThreshold, sae.Extra(LogThreshold).detach().clone());
    }

    internal override void LoadExtraTensors(SparseAutoencoder sae, Func<string, bool> has, Func<string, Tensor> read)
    {
        using var scope = NewDisposeScope();
        // θ ≤ 0 acts as θ = 0 on ReLU'd pre-activations; log(0) = −∞ keeps exp(log θ) exact.
        var value = has(LogThreshold) ? read(LogThreshold) : read(Threshold).clamp_min(0).log();
        sae.Extra(LogThreshold).copy_(value);
    }
}
