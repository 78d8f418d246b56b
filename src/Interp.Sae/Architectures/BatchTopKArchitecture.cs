using static TorchSharp.torch;

namespace Interp.Sae.Architectures;

/// <summary>
/// SAELens <c>"batchtopk"</c>: in training, the k×B largest ReLU'd pre-activations of a whole batch [B, d_sae]; at
/// inference, one threshold θ (a buffer <c>threshold</c> [d_sae], every entry equal) estimated during training and
/// calibrated at its end (Bussmann et al. 2024). Uses AuxK like TopK.
/// </summary>
public sealed class BatchTopKArchitecture : SaeArchitectureDefinition
{
    private const string Threshold = "threshold";

    /// <inheritdoc />
    public override SaeArchitecture Id => SaeArchitecture.BatchTopK;

    /// <inheritdoc />
    public override string SaeLensName => "batchtopk";

    /// <summary>
    /// JumpReLU with every threshold at the calibrated cutoff, as SAELens saves it
    /// (sae_lens/saes/batchtopk_sae.py, <c>process_state_dict_for_saving_inference</c>).
    /// </summary>
    public override SaeArchitecture SavedAs => SaeArchitecture.JumpRelu;

    /// <inheritdoc />
    public override int? MinimumK => 0;   // cfg.json may hold a fractional or zero average; inference uses θ

    /// <inheritdoc />
    public override bool UsesAuxK => true;

    /// <inheritdoc />
    public override bool CalibratesThreshold => true;

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, bool Trainable)> ExtraTensors => [(Threshold, false)];

    internal override Tensor Activate(SparseAutoencoder sae, Tensor pre) => SaeActivations.Threshold(pre, sae.Extra(Threshold));

    internal override TrainingActivation Train(SparseAutoencoder sae, Tensor pre, SaeStepInput input) =>
        new(SaeActivations.BatchTopK(pre, sae.Config.K), null, null);

    internal override Tensor CalibrationLatents(SparseAutoencoder sae, Tensor pre) => SaeActivations.BatchTopK(pre, sae.Config.K);

    internal override Tensor? InferenceThreshold(SparseAutoencoder sae) => sae.Extra(Threshold).detach().clone();

    internal override IEnumerable<(string Name, Tensor Value)> TensorsToSave(SparseAutoencoder sae, bool checkpoint) =>
        [(Threshold, sae.Extra(Threshold).detach().clone())];

    internal override void LoadExtraTensors(SparseAutoencoder sae, Func<string, bool> has, Func<string, Tensor> read)
    {
        using var value = read(Threshold);
        sae.Extra(Threshold).copy_(value);
    }

    /// <summary>
    /// Moves the estimate toward the smallest positive activation kept in this batch (exponential moving average with
    /// weight <paramref name="rate"/>; the first update takes the value as is), as in Bussmann et al. 2024 and SAELens.
    /// </summary>
    internal override void AfterStep(SparseAutoencoder sae, Tensor latents, double rate)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (SaeActivations.MinimumPositive(latents) is not { } smallest) return;
        var threshold = sae.Extra(Threshold);
        var current = threshold[0].item<float>();
        threshold.fill_(current == 0 ? smallest : (1 - rate) * current + rate * smallest);
    }

    internal override void SetThreshold(SparseAutoencoder sae, double value)
    {
        using var noGrad = no_grad();
        sae.Extra(Threshold).fill_(value);
    }
}
