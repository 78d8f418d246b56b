using Interp.Core;
using Interp.Core.Hooks;
using Interp.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Sae;

/// <summary>
/// Counts of latents by log10 firing density: bin i holds latents with <c>BinEdges[i] ≤ log10(density) &lt; BinEdges[i+1]</c>
/// (the last bin includes 0 = log10 1; densities below the first edge fall in the first bin). Dead latents (density 0)
/// are counted apart.
/// </summary>
/// <param name="BinEdges">log10 density edges, ascending (one more than <paramref name="Counts"/>).</param>
/// <param name="Counts">latents per bin.</param>
/// <param name="Dead">latents that never fired.</param>
public sealed record LogDensityHistogram(double[] BinEdges, int[] Counts, int Dead);

/// <summary>Reconstruction and sparsity of an SAE over a set of activations (model units).</summary>
/// <param name="Tokens">Rows evaluated.</param>
/// <param name="L0">Mean active latents per token.</param>
/// <param name="Mse">Mean over tokens and dimensions of (x − x̂)².</param>
/// <param name="ExplainedVariance">1 − FVU.</param>
/// <param name="Fvu">Σ‖x − x̂‖² / Σ‖x − mean x‖², the mean over the whole set.</param>
/// <param name="DeadLatents">Latents that never fired on the set.</param>
/// <param name="DenseLatents">Latents that fired on more than the dense threshold's fraction of tokens.</param>
/// <param name="Density">Per latent, the fraction of tokens it fired on.</param>
/// <param name="Histogram">The log10 density histogram.</param>
public sealed record SaeActivationMetrics(
    long Tokens, double L0, double Mse, double ExplainedVariance, double Fvu, int DeadLatents, int DenseLatents,
    double[] Density, LogDensityHistogram Histogram)
{
    /// <summary>DeadLatents / d_sae.</summary>
    public double DeadFraction => Density.Length == 0 ? 0 : DeadLatents / (double)Density.Length;

    /// <summary>DenseLatents / d_sae.</summary>
    public double DenseFraction => Density.Length == 0 ? 0 : DenseLatents / (double)Density.Length;
}

/// <summary>The SAE spliced into the model: next-token cross-entropy (nats/token) three ways, loss recovered and KL.</summary>
/// <param name="Tokens">Predicted positions evaluated (contexts × (T − 1), less one per context when the BOS position is left out).</param>
/// <param name="CeClean">CE of the unmodified model.</param>
/// <param name="CeSae">CE with the SAE's reconstruction in place of the activation.</param>
/// <param name="CeZeroAblation">CE with the activation set to zero.</param>
/// <param name="LossRecovered">(CE_zero − CE_sae) / (CE_zero − CE_clean).</param>
/// <param name="KlDivergence">KL(clean ‖ spliced), mean per predicted position.</param>
public sealed record SaeModelMetrics(long Tokens, double CeClean, double CeSae, double CeZeroAblation, double LossRecovered, double KlDivergence);

/// <summary>SAE evaluation (SAELens's evals): over activations, and spliced into the model over token contexts.</summary>
public static class SaeEvaluator
{
    /// <summary>Latents firing on more than this fraction of tokens are dense.</summary>
    public const double DefaultDenseThreshold = 0.1;

    /// <summary>
    /// L0, MSE, explained variance, dead and dense latents and the density histogram of <paramref name="sae"/> over
    /// row-major batches <c>[rows × d_in]</c> in the model's units. Sums are kept in float64. A transcoder's rows are
    /// <c>[x | y]</c> (d_in + d_out, as <see cref="HookActivations"/> gives them): its output Transcode(x) is measured
    /// against y, so the FVU is the MLP output's.
    /// </summary>
    public static SaeActivationMetrics Evaluate(SparseAutoencoder sae, IEnumerable<float[]> batches, double denseThreshold = DefaultDenseThreshold)
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(batches);
        var (dIn, d) = (sae.DIn, sae.DOut);                                                      // d: the reconstructed width
        var width = sae.Config.IsTranscoder ? dIn + d : dIn;
        long tokens = 0, active = 0;
        double squaredError = 0, sumOfSquares = 0;
        var sum = new double[d];
        using var fired = zeros(sae.DSae, dtype: ScalarType.Int64, device: sae.Device);
        using (no_grad())
        {
            foreach (var batch in batches)
            {
                if (batch.Length % width != 0)
                    throw new InterpException($"{sae.Describe()}: an activation batch has {batch.Length} floats, not a whole number of rows of width {width}");
                var rows = batch.Length / width;
                if (rows == 0) continue;
                using var scope = NewDisposeScope();
                var input = tensor(batch, [rows, width], device: sae.Device);
                var features = input.narrow(1, 0, dIn);                                          // [N, d_in]
                var x = sae.Config.IsTranscoder ? input.narrow(1, dIn, d) : features;           // the target [N, d_out]
                var latents = sae.Encode(features);                                              // [N, d_sae]
                var reconstruction = sae.Decode(latents);
                if (sae.SkipWeight is not null) reconstruction = reconstruction + sae.Skip(features);
                var on = latents.gt(0);
                fired.add_(on.sum([0], type: ScalarType.Int64));
                active += latents.count_nonzero().item<long>();                                // activations ≥ 0: the count of on
                var x64 = x.to_type(ScalarType.Float64);
                squaredError += (reconstruction.to_type(ScalarType.Float64) - x64).pow(2).sum().item<double>();
                sumOfSquares += x64.pow(2).sum().item<double>();
                using (var columnSums = x64.sum([0]).cpu())
                {
                    var s = columnSums.data<double>();
                    for (var j = 0; j < d; j++) sum[j] += s[j];
                }
                tokens += rows;
            }
        }
        if (tokens == 0) throw new InterpException($"{sae.Describe()}: no activations to evaluate");
        return Summarise(tokens, active, squaredError, sumOfSquares, sum, fired, denseThreshold);
    }

    private static SaeActivationMetrics Summarise(long tokens, long active, double squaredError, double sumOfSquares, double[] sum, Tensor fired, double denseThreshold)
    {
        var d = sum.Length;
        var totalVariance = sumOfSquares - sum.Sum(s => s * s) / tokens;                         // Σ‖x − mean‖²
        var fvu = totalVariance > 0 ? squaredError / totalVariance : double.NaN;
        long[] counts;
        using (NewDisposeScope()) counts = fired.cpu().data<long>().ToArray();
        var density = counts.Select(c => c / (double)tokens).ToArray();
        return new SaeActivationMetrics(
            Tokens: tokens,
            L0: active / (double)tokens,
            Mse: squaredError / ((double)tokens * d),
            ExplainedVariance: 1 - fvu,
            Fvu: fvu,
            DeadLatents: counts.Count(c => c == 0),
            DenseLatents: density.Count(p => p > denseThreshold),
            Density: density,
            Histogram: Histogram(density));
    }

    /// <summary>
    /// The activations <paramref name="sae"/> reads, from <paramref name="model"/> run over token contexts
    /// <paramref name="tokens"/> (int64 [N, T]) up to the SAE's hook, as row-major batches <c>[rows × d_in]</c> (heads
    /// flattened for attention q/k/v/z) for <see cref="Evaluate"/>; for a transcoder rows <c>[x | y]</c>, its input hook's
    /// activation then its output hook's. With <paramref name="skipFirstPosition"/> the first
    /// position of each context (a BOS token, whose activation is an outlier that SAELens's evals leave out) is dropped.
    /// </summary>
    public static IEnumerable<float[]> HookActivations(Gpt2 model, SparseAutoencoder sae, Tensor tokens, bool skipFirstPosition = false, int contextsPerBatch = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextsPerBatch);
        if (tokens.dim() != 2 || tokens.shape[1] < (skipFirstPosition ? 2 : 1))
            throw new InterpException($"evaluation contexts must be [contexts, positions] token ids; got shape [{string.Join(", ", tokens.shape)}]");
        SaeHooks.CheckFits(sae, model);
        HookName[] hooks = sae.Config.IsTranscoder
            ? [HookName.Parse(sae.Config.HookName, model.Config.NLayer), HookName.Parse(sae.Config.OutputHookName, model.Config.NLayer)]
            : [HookName.Parse(sae.Config.HookName, model.Config.NLayer)];
        return Enumerate(model, hooks, tokens, skipFirstPosition, contextsPerBatch);
    }

    private static IEnumerable<float[]> Enumerate(Gpt2 model, HookName[] hooks, Tensor tokens, bool skipFirstPosition, int contextsPerBatch)
    {
        for (long start = 0; start < tokens.shape[0]; start += contextsPerBatch)
        {
            float[] rows;
            var wasTraining = model.training;
            model.eval();
            try
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                var length = Math.Min(contextsPerBatch, tokens.shape[0] - start);
                var (_, cache) = model.RunWithCache(tokens.narrow(0, start, length).to(model.Device), hooks, stopAtLastHook: true);
                using (cache)
                {
                    var x = cat(hooks.Select(h => cache[h].reshape(cache[h].shape[0], cache[h].shape[1], -1)).ToArray(), 2);   // [b, T, width]
                    if (skipFirstPosition) x = x.narrow(1, 1, x.shape[1] - 1);
                    rows = x.reshape(-1, x.shape[2]).to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
                }
            }
            finally
            {
                model.train(wasTraining);
            }
            yield return rows;
        }
    }

    /// <summary>
    /// A log10 density histogram with edges from <paramref name="minLog10"/> to 0 in steps of <paramref name="binWidth"/>
    /// (defaults: −8 to 0 by ½, 16 bins). Latents with density 0 are counted as dead, not binned.
    /// </summary>
    public static LogDensityHistogram Histogram(IReadOnlyList<double> density, double minLog10 = -8, double binWidth = 0.5)
    {
        ArgumentNullException.ThrowIfNull(density);
        if (!(minLog10 < 0) || !(binWidth > 0)) throw new ArgumentOutOfRangeException(nameof(binWidth), "need minLog10 < 0 and binWidth > 0");
        var bins = (int)Math.Ceiling(-minLog10 / binWidth);
        var edges = Enumerable.Range(0, bins + 1).Select(i => Math.Min(0, minLog10 + i * binWidth)).ToArray();
        var counts = new int[bins];
        var dead = 0;
        foreach (var p in density)
        {
            if (p <= 0) { dead++; continue; }
            var bin = (int)Math.Floor((Math.Log10(p) - minLog10) / binWidth);
            counts[Math.Clamp(bin, 0, bins - 1)]++;
        }
        return new LogDensityHistogram(edges, counts, dead);
    }

    /// <summary>
    /// (CE_zero − CE_sae) / (CE_zero − CE_clean): 1 when splicing in the SAE costs nothing, 0 when it is as bad as
    /// zero-ablating the hook. NaN when zero-ablation does not change the loss.
    /// </summary>
    public static double LossRecovered(double ceClean, double ceSae, double ceZeroAblation)
    {
        var denominator = ceZeroAblation - ceClean;
        return denominator == 0 ? double.NaN : (ceZeroAblation - ceSae) / denominator;
    }

    /// <summary>
    /// The SAE spliced into <paramref name="model"/> at its hook over token contexts <paramref name="tokens"/> (int64
    /// [N, T]): next-token CE clean, with the reconstruction (no error term) and with the hook zero-ablated, loss
    /// recovered, and KL(clean ‖ spliced) per predicted position. Contexts run <paramref name="contextsPerBatch"/> at a
    /// time and logits are formed <paramref name="rowsPerChunk"/> positions at a time, so no [N, T, V] tensor is held.
    /// With <paramref name="skipFirstPosition"/> (contexts that start with a BOS) the SAE is not spliced in at position 0,
    /// which keeps its original activation, and position 0's prediction is left out of CE and KL, as SAELens's
    /// <c>get_recons_loss</c> masks its <c>ignore_tokens</c> (<c>sae_lens/evals.py</c>); zero-ablation still zeroes every position, as there.
    /// <paramref name="contextsDone"/> hears the contexts done after each batch.
    /// </summary>
    public static SaeModelMetrics EvaluateInModel(Gpt2 model, SparseAutoencoder sae, Tensor tokens, int contextsPerBatch = 8, int rowsPerChunk = 128,
        bool skipFirstPosition = false, Action<long>? contextsDone = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextsPerBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowsPerChunk);
        var first = skipFirstPosition ? 1 : 0;                                                   // the first position that predicts
        if (tokens.dim() != 2 || tokens.shape[1] < 2 + first)
            throw new InterpException($"evaluation contexts must be [contexts, positions ≥ {2 + first}] token ids; got shape [{string.Join(", ", tokens.shape)}]");
        SaeHooks.CheckFits(sae, model);
        var splice = sae.Config.IsTranscoder ? TranscoderHooks.Splice(sae, keepFirstPosition: skipFirstPosition)   // the MLP's output replaced
            : [SaeHooks.Splice(sae, keepFirstPosition: skipFirstPosition)];
        var zero = sae.Config.IsTranscoder ? TranscoderHooks.ZeroAblate(sae) : SaeHooks.ZeroAblate(sae);
        var finalLayer = model.Config.NLayer + 1;                                                // run ln_f, skip the unembedding
        double clean = 0, spliced = 0, ablated = 0, kl = 0;
        long count = 0;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            for (long start = 0; start < tokens.shape[0]; start += contextsPerBatch)
            {
                using var scope = NewDisposeScope();
                var length = Math.Min(contextsPerBatch, tokens.shape[0] - start);
                var batch = tokens.narrow(0, start, length).to(model.Device);                    // [b, T]
                var hiddenClean = model.Run(batch, finalLayer);                                   // [b, T, d]
                Tensor hiddenSae, hiddenZero;
                using (model.Hooks(splice)) hiddenSae = model.Run(batch, finalLayer);
                using (model.Hooks(zero)) hiddenZero = model.Run(batch, finalLayer);

                var predicting = batch.shape[1] - 1 - first;                                     // positions first .. T-2 predict
                var rows = length * predicting;
                Tensor Predicting(Tensor hidden) => hidden.narrow(1, first, predicting).reshape(rows, -1);   // [rows, d]
                var (hc, hs, hz) = (Predicting(hiddenClean), Predicting(hiddenSae), Predicting(hiddenZero));
                var targets = batch.narrow(1, first + 1, predicting).reshape(rows);              // [rows]
                for (long r = 0; r < rows; r += rowsPerChunk)
                {
                    using var chunkScope = NewDisposeScope();
                    var n = Math.Min(rowsPerChunk, rows - r);
                    var t = targets.narrow(0, r, n);
                    var logClean = F.log_softmax(model.Unembed(hc.narrow(0, r, n)), -1);   // [n, V]
                    var logSae = F.log_softmax(model.Unembed(hs.narrow(0, r, n)), -1);
                    var logZero = F.log_softmax(model.Unembed(hz.narrow(0, r, n)), -1);
                    clean += F.nll_loss(logClean, t, reduction: nn.Reduction.Sum).to_type(ScalarType.Float64).item<double>();
                    spliced += F.nll_loss(logSae, t, reduction: nn.Reduction.Sum).to_type(ScalarType.Float64).item<double>();
                    ablated += F.nll_loss(logZero, t, reduction: nn.Reduction.Sum).to_type(ScalarType.Float64).item<double>();
                    kl += (logClean.exp() * (logClean - logSae)).sum().to_type(ScalarType.Float64).item<double>();
                }
                count += rows;
                contextsDone?.Invoke(start + length);
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        var (ceClean, ceSae, ceZero) = (clean / count, spliced / count, ablated / count);
        return new SaeModelMetrics(count, ceClean, ceSae, ceZero, LossRecovered(ceClean, ceSae, ceZero), kl / count);
    }
}
