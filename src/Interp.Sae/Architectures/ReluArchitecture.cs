using static TorchSharp.torch;

namespace Interp.Sae.Architectures;

/// <summary>
/// SAELens <c>"standard"</c>: f = ReLU(pre), trained with an L1 penalty on f weighted by the decoder rows' norms
/// (Anthropic, April 2024 update).
/// </summary>
public sealed class ReluArchitecture : SaeArchitectureDefinition
{
    /// <inheritdoc />
    public override SaeArchitecture Id => SaeArchitecture.Relu;

    /// <inheritdoc />
    public override string SaeLensName => "standard";

    /// <inheritdoc />
    public override IReadOnlyList<string> Aliases => ["relu"];

    /// <inheritdoc />
    public override double DefaultSparsityCoefficient => 5.0;

    internal override Tensor Activate(SparseAutoencoder sae, Tensor pre) => SaeActivations.Relu(pre);

    internal override TrainingActivation Train(SparseAutoencoder sae, Tensor pre, SaeStepInput input)
    {
        var latents = SaeActivations.Relu(pre);
        return new TrainingActivation(new SaeStepLatents(latents), sae.DecodeNormalized(latents), input.SparsityCoefficient * SaeLosses.WeightedL1(latents, sae.DecoderWeight));
    }
}
