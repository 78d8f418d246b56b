using static TorchSharp.torch;

namespace Interp.Sae.Architectures;

/// <summary>SAELens <c>"topk"</c>: the k largest pre-activations per token, ReLU'd (OpenAI, Gao et al. 2024), with AuxK.</summary>
public sealed class TopKArchitecture : SaeArchitectureDefinition
{
    /// <inheritdoc />
    public override SaeArchitecture Id => SaeArchitecture.TopK;

    /// <inheritdoc />
    public override string SaeLensName => "topk";

    /// <inheritdoc />
    public override string ActivationFn => "topk";

    /// <inheritdoc />
    public override int? MinimumK => 1;

    /// <inheritdoc />
    public override bool RequiresIntegerK => true;

    /// <inheritdoc />
    public override bool UsesAuxK => true;

    /// <inheritdoc />
    public override bool ReadsDecoderNormRescale => true;

    internal override bool EncodesSparsely => true;

    internal override Tensor Activate(SparseAutoencoder sae, Tensor pre) => SaeActivations.TopK(pre, sae.Config.K);

    internal override TrainingActivation Train(SparseAutoencoder sae, Tensor pre, SaeStepInput input)
    {
        // Decoded from (values, indices): k·d_in work a row instead of d_sae·d_in; the step's bookkeeping reads the entries too.
        Tensor indices;
        using (no_grad()) indices = pre.detach().topk(sae.Config.K, dim: -1).indexes;          // [B, k]
        var values = nn.functional.relu(sae.PreActivationsAt(pre, input.X, indices));
        var reconstruction = SparseDecode.Apply(values, indices, sae.DecoderWeight) + sae.DecoderBias;  // [B, d_in]
        return new TrainingActivation(new SaeStepLatents(values, indices, pre.shape[1]), reconstruction, null);
    }
}
