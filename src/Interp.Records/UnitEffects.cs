using System.Text.RegularExpressions;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Records;
using Interp.Model;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Records;

/// <summary>What a unit writes, read off the weights: its logit effect and its nearest units.</summary>
/// <param name="Positive">Tokens whose logits the unit raises most, largest first.</param>
/// <param name="Negative">Tokens whose logits it lowers most, most negative first.</param>
/// <param name="Histogram">Its logit effect over the whole vocabulary, or null when it has none.</param>
/// <param name="Nearest">Most similar units of the same source, most similar first.</param>
public sealed record UnitEffect(TokenEffect[] Positive, TokenEffect[] Negative, Histogram? Histogram, NeighbourUnit[] Nearest)
{
    /// <summary>No logit effect and no neighbours.</summary>
    public static readonly UnitEffect None = new([], [], null, []);
}

/// <summary>
/// Logit effects and nearest units from a model's weights, as Neuronpedia and SAELens compute them:
/// <code>
///   direction  = the unit's output row in the residual stream     (neuron of mlp.hook_post: W_out[n] = c_proj.weight[n];
///                                                                  SAE latent: W_dec[i], through W_out / attn c_proj when
///                                                                  the SAE reads mlp.hook_post / attn.hook_z)
///   centred    = direction − mean(direction)                      ln_f removes the mean over d_model, so the part
///                                                                  along the all-ones vector never reaches the logits
///   effect     = (centred ⊙ ln_f.weight) · W_Uᵀ                   W_U = wte − its mean over the vocabulary (TL's
///                                                                  center_unembed: a shift of every logit by the same
///                                                                  amount changes no probability), effect is [V]
///   nearest    = largest cosine between native rows               (W_dec rows for latents, W_out rows for neurons)
/// </code>
/// That is what Neuronpedia shows (SAELens/SAEDashboard read W_U of TransformerLens's processed model, whose writing
/// weights and unembedding are centred); a direction read after ln_f (<c>ln_final.hook_normalized</c>) is not centred again.
/// Residual-stream hooks (embeddings, resid_pre/mid/post, attn_out, mlp_out) use the basis direction of each dimension;
/// hooks with no path to the residual stream that a direction can follow (q, k, v, mlp.hook_pre, the ln hooks) get none.
/// </summary>
public sealed class UnitEffects : IDisposable
{
    private readonly Tensor? _native;        // [N, width]: rows compared for nearest units (model units), or null
    private readonly Tensor? _nativeUnit;    // [N, width]: the same rows at unit norm
    private readonly Tensor? _toResidual;    // [width, d]: maps a native row into the residual stream; null = identity
    private readonly Tensor? _lnScale;       // [d]: ln_f.weight, or null when the hook is already past ln_f
    private readonly Tensor? _unembed;       // [V, d]: wte, or null when the source has no logit effect
    private readonly int _width;
    private readonly int _count;
    private readonly Func<int, string> _tokenString;
    private readonly RecordOptions _options;
    private int _rowsInChunk;

    private UnitEffects(int count, int width, Tensor? native, Tensor? toResidual, Tensor? lnScale, Tensor? unembed,
        Func<int, string> tokenString, RecordOptions options)
    {
        (_count, _width, _native, _toResidual, _lnScale, _unembed, _tokenString, _options) =
            (count, width, native, toResidual, lnScale, unembed, tokenString, options);
        if (native is not null)
        {
            using var scope = NewDisposeScope();
            _nativeUnit = (native / native.norm(1, keepdim: true).clamp_min(1e-12)).DetachFromDisposeScope();
        }
    }

    /// <summary>Whether these units have a logit effect.</summary>
    public bool HasLogits => _unembed is not null;

    /// <summary>The effects of the neurons (dimensions) of <paramref name="hook"/>, whose width is <paramref name="width"/>.</summary>
    public static UnitEffects ForNeurons(Gpt2 model, HookName hook, int width, Func<int, string> tokenString, RecordOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        var weights = Weights(model);
        var (path, layer) = Path(hook.Name);
        Tensor? native = null, toResidual = null;
        var lnScale = weights["ln_f.weight"];
        switch (path)
        {
            case "mlp_post":
                native = weights[$"h.{layer}.mlp.c_proj.weight"];                     // [d_mlp, d]: row n is W_out[n]
                break;
            case "z":
                native = weights[$"h.{layer}.attn.c_proj.weight"];                    // [nh·hs, d]
                break;
            case "residual":
                break;                                                                 // basis directions, no neighbours
            case "final":
                lnScale = null;
                break;
            default:
                return new UnitEffects(width, width, null, null, null, null, tokenString, options);
        }
        if (native is not null && native.shape[0] != width)
            throw new InterpException($"hook {hook}: width {width} does not match its output weight's {native.shape[0]} rows");
        return new UnitEffects(width, width, Keep(native), Keep(toResidual), Keep(lnScale), Keep(CentredUnembedding(weights)), tokenString, options);
    }

    /// <summary>
    /// The effects of <paramref name="sae"/>'s latents (decoder rows in the model's units) written at
    /// <paramref name="hook"/>: the SAE's hook, or a transcoder's output hook (<c>hook_mlp_out</c>, residual-stream directions).
    /// </summary>
    public static UnitEffects ForSae(Gpt2 model, SparseAutoencoder sae, HookName hook, Func<int, string> tokenString, RecordOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        using var scope = NewDisposeScope();
        var weights = Weights(model);
        using var noGrad = no_grad();
        var decoder = sae.DecoderWeight.detach().to(ScalarType.Float32).cpu() / sae.Config.InputScale;   // [d_sae, d_out]
        var (path, layer) = Path(hook.Name);
        Tensor? toResidual = null, lnScale = weights["ln_f.weight"], unembed = CentredUnembedding(weights);
        switch (path)
        {
            case "mlp_post": toResidual = weights[$"h.{layer}.mlp.c_proj.weight"]; break;                  // [d_mlp, d]
            case "z": toResidual = weights[$"h.{layer}.attn.c_proj.weight"]; break;                        // [d, d]
            case "residual": break;
            case "final": lnScale = null; break;
            default: (lnScale, unembed) = (null, null); break;
        }
        if ((toResidual is not null && toResidual.shape[0] != sae.DOut) || (toResidual is null && unembed is not null && unembed.shape[1] != sae.DOut))
            throw new InterpException($"{sae.Describe()}: {(sae.Config.IsTranscoder ? $"d_out={sae.DOut}" : $"d_in={sae.DIn}")} does not fit hook {hook} of this model");
        return new UnitEffects(sae.DSae, sae.DOut, Keep(decoder), Keep(toResidual), Keep(lnScale), Keep(unembed), tokenString, options);
    }

    /// <summary>
    /// The effect of each unit in <paramref name="units"/>, computed 256 units at a time. A shorter last block is padded
    /// to 256 rows (repeating its last unit): a matrix product's rows can differ in the last bit with the number of rows
    /// (libtorch picks another kernel), and a unit's effect must not depend on which units share its block, so that
    /// records split over machines or resumed equal those of one clean run.
    /// </summary>
    public UnitEffect[] Compute(IReadOnlyList<int> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        const int Block = 256;
        var result = new UnitEffect[units.Count];
        for (var at = 0; at < units.Count; at += Block)
        {
            var chunk = units.Skip(at).Take(Block).ToArray();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var index = tensor(chunk.Concat(Enumerable.Repeat(chunk[^1], Block - chunk.Length)).Select(u => (long)u).ToArray());
            _rowsInChunk = Block;
            var logits = Logits(index);                                                       // [u, V] or null
            var (topValues, topIds, bottomValues, bottomIds, histograms) = logits is null ? default : Summaries(logits);
            var nearest = Nearest(index);
            for (var i = 0; i < chunk.Length; i++)
            {
                var positive = logits is null ? [] : Effects(topIds!, topValues!, i);
                var negative = logits is null ? [] : Effects(bottomIds!, bottomValues!, i);
                result[at + i] = new UnitEffect(positive, negative, histograms?[i], nearest?[i] ?? []);
            }
        }
        return result;
    }

    /// <summary>The full logit effect <c>[V]</c> of one unit (null when the source has none), for tests and the UI.</summary>
    public float[]? LogitEffect(int unit)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return Logits(tensor(new long[] { unit }))?.reshape(-1).data<float>().ToArray();
    }

    /// <summary>Releases the weight copies.</summary>
    public void Dispose()
    {
        foreach (var t in new[] { _native, _nativeUnit, _toResidual, _lnScale, _unembed }) t?.Dispose();
    }

    private Tensor? Logits(Tensor index)
    {
        if (_unembed is null) return null;
        var rows = _native is not null ? _native.index_select(0, index)                       // [u, width]
            : nn.functional.one_hot(index, _width).to(ScalarType.Float32);
        var direction = _toResidual is null ? rows : rows.matmul(_toResidual);                // [u, d]
        if (_lnScale is not null) direction = (direction - direction.mean([-1L], keepdim: true)) * _lnScale;   // centred, ⊙ [d]
        return direction.matmul(_unembed.t());                                                 // [u, V]
    }

    private (float[] TopValues, long[] TopIds, float[] BottomValues, long[] BottomIds, Histogram[] Histograms) Summaries(Tensor logits)
    {
        var (rows, vocab) = ((int)logits.shape[0], (int)logits.shape[1]);
        var k = Math.Min(_options.LogitTokens, vocab);
        var (topValues, topIds) = logits.topk(k, dim: 1, largest: true, sorted: true);         // [u, k]
        var (bottomValues, bottomIds) = logits.topk(k, dim: 1, largest: false, sorted: true);  // [u, k]
        var bins = _options.LogitHistogramBins;
        var all = TensorArrays.ToFloats(logits);                                               // [u·V]
        var histograms = new Histogram[rows];
        for (var i = 0; i < rows; i++)
        {
            var row = all.AsSpan(i * vocab, vocab);
            var (low, high) = (float.PositiveInfinity, float.NegativeInfinity);
            foreach (var v in row)
            {
                if (v < low) low = v;
                if (v > high) high = v;
            }
            var scale = high > low ? bins / (high - low) : 0f;
            var counts = new long[bins];
            foreach (var v in row) counts[Math.Clamp((int)MathF.Floor((v - low) * scale), 0, bins - 1)]++;
            var edges = Enumerable.Range(0, bins + 1).Select(b => low + (double)(high - low) * b / bins).ToArray();
            histograms[i] = new Histogram(edges, counts);
        }
        return (topValues.data<float>().ToArray(), topIds.data<long>().ToArray(), bottomValues.data<float>().ToArray(),
            bottomIds.data<long>().ToArray(), histograms);
    }

    private TokenEffect[] Effects(long[] ids, float[] values, int row)
    {
        var k = ids.Length / Math.Max(1, _rowsInChunk);
        return Enumerable.Range(row * k, k).Select(j => new TokenEffect((int)ids[j], _tokenString((int)ids[j]), values[j])).ToArray();
    }

    private NeighbourUnit[][]? Nearest(Tensor index)
    {
        if (_nativeUnit is null || _options.Nearest == 0 || _count < 2) return null;
        var k = Math.Min(_options.Nearest, _count - 1);
        var rows = _nativeUnit.index_select(0, index);                                        // [u, width]
        var similarity = rows.matmul(_nativeUnit.t());                                        // [u, N]
        similarity = similarity.masked_fill(nn.functional.one_hot(index, _count).to(ScalarType.Bool), float.NegativeInfinity); // not itself
        var (values, ids) = similarity.topk(k, dim: 1, largest: true, sorted: true);          // [u, k]
        var (v, n) = (values.data<float>().ToArray(), ids.data<long>().ToArray());
        return Enumerable.Range(0, (int)index.shape[0])
            .Select(i => Enumerable.Range(i * k, k).Select(j => new NeighbourUnit((int)n[j], v[j])).ToArray()).ToArray();
    }

    // TransformerLens's center_unembed: W_U minus its mean over the vocabulary ([V, d] here, so over rows).
    private static Tensor CentredUnembedding(Dictionary<string, Tensor> weights)
    {
        var wte = weights["wte.weight"].to(ScalarType.Float32);
        return wte - wte.mean([0L], keepdim: true);
    }

    private static Tensor? Keep(Tensor? t) => t?.detach().to(ScalarType.Float32).cpu().contiguous().clone().DetachFromDisposeScope();

    private static Dictionary<string, Tensor> Weights(Gpt2 model)
    {
        var weights = new Dictionary<string, Tensor>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var key = name.StartsWith("transformer.", StringComparison.Ordinal) ? name["transformer.".Length..] : name;
            weights[key] = parameter.detach();
        }
        // The unembedding the model really uses: after TransformerLens processing it is no longer wte (fold_ln moved ln_f's gain into it).
        weights["wte.weight"] = model.UnembeddingWeight.detach();
        foreach (var key in new[] { "wte.weight", "ln_f.weight" })
            if (!weights.ContainsKey(key)) throw new InterpException($"{model.SourceDirectory ?? "the model"}: no parameter '{key}'");
        return weights;
    }

    // Where a direction at a hook goes: residual (read as is), mlp_post / z (through an output projection), final (past
    // ln_f: straight to the unembedding) or none.
    private static (string Path, int Layer) Path(string hook)
    {
        if (hook is "hook_embed" or "hook_pos_embed") return ("residual", -1);
        if (hook == "ln_final.hook_normalized") return ("final", -1);
        var match = Regex.Match(hook, @"^blocks\.(\d+)\.(.+)$");
        if (!match.Success) return ("none", -1);
        var layer = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "hook_resid_pre" or "hook_resid_mid" or "hook_resid_post" or "hook_attn_out" or "hook_mlp_out" => ("residual", layer),
            "mlp.hook_post" => ("mlp_post", layer),
            "attn.hook_z" => ("z", layer),
            _ => ("none", layer),
        };
    }
}
