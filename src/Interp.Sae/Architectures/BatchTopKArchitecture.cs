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
        // The batch's k·B choices as entries (rows share them unevenly), so that the encoder backward and the decoder
        // work from the chosen entries only, as TopK's do.
        Tensor rows, columns;                                                                    // [k·B] each
        using (no_grad())
        {
            var hint = sae.LastTrainingCut > 0 ? sae.LastTrainingCut : sae.Extra(Threshold)[0].item<float>();   // where the cut was
            var kept = BatchLargest(pre, pre.detach().reshape(-1), sae.Config.K, (int)Math.Min(pre.numel(), (long)sae.Config.K * pre.shape[0]), hint);
            kept = kept.sort().Values;                                                          // row-major: the gathers walk memory in order
            rows = kept.div(pre.shape[1], rounding_mode: RoundingMode.floor);
            columns = kept.remainder(pre.shape[1]);
        }
        var values = nn.functional.relu(sae.PreActivationsAtEntries(pre, input.X, rows, columns));
        var reconstruction = SparseDecode.ApplyEntries(values, rows, columns, sae.DecoderWeight, input.X) + sae.DecoderBias;
        return new TrainingActivation(new SaeStepLatents(values, rows, columns, pre.shape[0], pre.shape[1]), reconstruction, null);
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
        sae.LastTrainingCut = smallest;
        var threshold = sae.Extra(Threshold);
        var current = threshold[0].item<float>();
        threshold.fill_(current == 0 ? smallest : (1 - rate) * current + rate * smallest);
    }

    /// <summary>
    /// The flat indices of the <paramref name="keep"/> largest ReLU'd entries of <paramref name="flat"/> (pre, [B·d_sae]),
    /// looked for among as few candidates as is exact:
    /// <list type="number">
    /// <item>the entries at least 0.9 of <paramref name="hint"/> (the last step's cut, or the running threshold): when k·B
    /// are there, the k·B largest are among them (one compare over B·d_sae, no per-row top-k);</item>
    /// <item>each row's 4k largest: when every row's 4k-th is at most the smallest entry kept, no row has a further entry
    /// that belongs;</item>
    /// <item>the entries at least the smallest row's k-th largest, which all k·B are (every row has k such);</item>
    /// <item>all entries (a single-threaded top-k over B·d_sae, the slow case).</item>
    /// </list>
    /// Above a positive bound ReLU changes nothing, so no ReLU'd copy of the pre-activations is made then.
    /// </summary>
    private static Tensor BatchLargest(Tensor pre, Tensor flat, int k, int keep, float hint)
    {
        using var scope = NewDisposeScope();
        if (hint > 0 && float.IsFinite(hint) && LargestAbove(flat, hint * 0.9f, keep) is { } nearLastCut)   // a margin for the weights' drift
            return nearLastCut.MoveToOuterDisposeScope();
        var (rows, dSae) = (pre.shape[0], pre.shape[1]);
        var width = (int)Math.Min(dSae, 4L * k);
        if (k >= 1 && width > k)
        {
            var (values, columns) = pre.detach().topk(width, dim: -1);                           // [B, 4k], descending
            var chosen = nn.functional.relu(values).reshape(-1).topk(keep, dim: -1, sorted: false);   // of [B·4k]
            if (values.select(1, width - 1).le(chosen.values.min()).all().item<bool>())
            {
                var row = chosen.indexes.div(width, rounding_mode: RoundingMode.floor);
                return (row * dSae + columns.reshape(-1).index_select(0, chosen.indexes)).MoveToOuterDisposeScope();
            }
        }
        if (k >= 1 && k <= dSae)
        {
            var floor = pre.detach().topk(k, dim: -1).values.select(1, k - 1).min().item<float>();
            if (floor > 0 && LargestAbove(flat, floor, keep) is { } aboveFloor) return aboveFloor.MoveToOuterDisposeScope();
        }
        return nn.functional.relu(flat).topk(keep, dim: -1, sorted: false).indexes.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The flat indices of the <paramref name="keep"/> largest entries of <paramref name="flat"/> when at least that many
    /// and at most a quarter of all are at least <paramref name="bound"/>; else null (too few to be exact, or too many to
    /// be quick). nonzero's length is the count: summing the bool mask took four times as long (0.2 s at 67M entries).
    /// </summary>
    private static Tensor? LargestAbove(Tensor flat, float bound, int keep)
    {
        var candidates = flat.ge(bound).nonzero().squeeze(1);
        var count = candidates.shape[0];
        return count >= keep && count <= flat.shape[0] / 4
            ? candidates.index_select(0, flat.index_select(0, candidates).topk(keep, dim: -1, sorted: false).indexes)
            : null;
    }

    internal override void SetThreshold(SparseAutoencoder sae, double value)
    {
        using var noGrad = no_grad();
        sae.Extra(Threshold).fill_(value);
    }
}
