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

    internal override bool EncodesSparsely => true;

    internal override Tensor Activate(SparseAutoencoder sae, Tensor pre) => SaeActivations.Threshold(pre, sae.Extra(Threshold));

    internal override TrainingActivation Train(SparseAutoencoder sae, Tensor pre, SaeStepInput input)
    {
        if (pre.requires_grad)                                                                   // the dense reference
        {
            var dense = SaeActivations.BatchTopK(pre, sae.Config.K);
            return new(new SaeStepLatents(dense), sae.DecodeNormalized(dense), null);
        }
        // The batch's k·B choices as per-row indices (padded with zero-valued entries), so that the encoder backward
        // and the decoder work from the chosen entries only, as TopK's do.
        var (indices, chosen) = ChosenPerRow(pre, sae.Config.K);                                 // [B, w], w the most a row keeps
        var values = nn.functional.relu(sae.PreActivationsAt(pre, input.X, indices)) * chosen;
        var reconstruction = SparseDecode.Apply(values, indices, sae.DecoderWeight) + sae.DecoderBias;
        return new TrainingActivation(new SaeStepLatents(values, indices, pre.shape[1]), reconstruction, null);   // padding: column 0, value 0
    }

    /// <summary>
    /// The entries BatchTopK keeps (the k·B largest ReLU'd pre-activations of the batch) as column indices per row,
    /// [B, w] with w the most any row keeps, and a float mask [B, w] that is 1 at kept entries and 0 at padding.
    /// </summary>
    private static (Tensor Indices, Tensor Chosen) ChosenPerRow(Tensor pre, int k)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (rows, dSae) = (pre.shape[0], pre.shape[1]);
        var flat = nn.functional.relu(pre.detach()).flatten();
        var keep = (int)Math.Min(flat.shape[0], (long)k * rows);
        var kept = BatchLargest(pre, flat, k, keep).sort().Values;                              // row-major order
        var row = kept.div(dSae, rounding_mode: RoundingMode.floor);
        var counts = row.bincount(null, rows);
        var width = Math.Max(1, counts.max().item<long>());
        var slot = row * width + arange(keep, dtype: ScalarType.Int64, device: pre.device) - (counts.cumsum(0) - counts).index_select(0, row);
        var indices = zeros(rows * width, dtype: ScalarType.Int64, device: pre.device).scatter_(0, slot, kept.remainder(dSae));
        var chosen = zeros(rows * width, dtype: pre.dtype, device: pre.device).index_fill_(0, slot, 1);
        return (indices.view(rows, width).MoveToOuterDisposeScope(), chosen.view(rows, width).MoveToOuterDisposeScope());
    }

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
    internal override void AfterStep(SparseAutoencoder sae, SaeStepLatents latents, double rate)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (latents.MinimumPositive() is not { } smallest) return;
        var threshold = sae.Extra(Threshold);
        var current = threshold[0].item<float>();
        threshold.fill_(current == 0 ? smallest : (1 - rate) * current + rate * smallest);
    }

    /// <summary>
    /// The flat indices of the <paramref name="keep"/> largest entries of <paramref name="flat"/> (ReLU'd pre, [B·d_sae]).
    /// Every row has k entries at least its k-th largest, so those k·B are all at least the smallest row's k-th largest:
    /// one top-k over only the entries above that floor (a single-threaded top-k over all B·d_sae was the slow part).
    /// </summary>
    private static Tensor BatchLargest(Tensor pre, Tensor flat, int k, int keep)
    {
        using var scope = NewDisposeScope();
        if (k >= 1 && k <= pre.shape[1])
        {
            var floor = nn.functional.relu(pre.detach().topk(k, dim: -1).values.select(1, k - 1)).min();
            var above = flat.ge(floor);
            if (above.sum().item<long>() <= flat.shape[0] / 4)
            {
                var candidates = above.nonzero().squeeze(1);
                return candidates.index_select(0, flat.index_select(0, candidates).topk(keep, dim: -1, sorted: false).indexes).MoveToOuterDisposeScope();
            }
        }
        return flat.topk(keep, dim: -1, sorted: false).indexes.MoveToOuterDisposeScope();
    }

    internal override void SetThreshold(SparseAutoencoder sae, double value)
    {
        using var noGrad = no_grad();
        sae.Extra(Threshold).fill_(value);
    }
}
