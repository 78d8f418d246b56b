using System.Text.RegularExpressions;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Model;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// A transcoder as the attribution graph reads it: the block whose MLP it replaces, its dictionary (encoder, decoder,
/// biases, activation: a <see cref="SparseAutoencoder"/> reading <c>blocks.L.ln2.hook_normalized</c> and writing
/// <c>blocks.L.hook_mlp_out</c>) and, for a skip transcoder, W_skip <c>[d_out, d_in]</c> (its output adds
/// <c>x · W_skipᵀ</c>, x in the model's units). Until <c>SparseAutoencoder</c> carries W_skip itself, tests pass
/// it here (the adapter the #19 contract allows).
/// </summary>
internal sealed partial record TranscoderParts(int Layer, SparseAutoencoder Sae, Tensor? SkipWeight)
{
    [GeneratedRegex(@"^blocks\.(\d+)\.ln2\.hook_normalized$")]
    private static partial Regex InputHook();

    /// <summary>A plain SAE-shaped transcoder (no skip), its layer read from its input hook.</summary>
    public static TranscoderParts From(SparseAutoencoder sae) => new(LayerOf(sae), sae, null);

    /// <summary>The block whose MLP input <paramref name="sae"/> reads; any other hook is an <see cref="InterpException"/>.</summary>
    public static int LayerOf(SparseAutoencoder sae)
    {
        var match = InputHook().Match(sae.Config.HookName);
        return match.Success && int.TryParse(match.Groups[1].Value, out var layer) ? layer
            : throw new InterpException($"{sae.Describe()}: hook_name '{sae.Config.HookName}' is not a transcoder's input (blocks.L.ln2.hook_normalized)");
    }

    /// <summary>
    /// Checks that <paramref name="transcoders"/> fit <paramref name="model"/>: each layer exists, none twice, every
    /// block covered, widths equal d_model. Returns them by layer.
    /// </summary>
    public static TranscoderParts[] ByLayer(Gpt2 model, IReadOnlyList<TranscoderParts> transcoders)
    {
        var layers = model.Config.NLayer;
        var byLayer = new TranscoderParts?[layers];
        foreach (var t in transcoders)
        {
            if (t.Layer < 0 || t.Layer >= layers)
                throw new InterpException($"{t.Sae.Describe()}: layer {t.Layer} does not exist in this model ({layers} layers)");
            if (byLayer[t.Layer] is { } other)
                throw new InterpException($"{t.Sae.Describe()}: a second transcoder for layer {t.Layer} (the first: {other.Sae.Describe()})");
            t.Sae.CheckFits(HookName.Ln2Normalized(t.Layer), model.Config.NEmbd);
            if (t.Sae.DecoderWeight.shape[1] != model.Config.NEmbd)
                throw new InterpException($"{t.Sae.Describe()}: d_out={t.Sae.DecoderWeight.shape[1]} does not match hook_mlp_out, whose width is {model.Config.NEmbd}");
            if (t.SkipWeight is { } skip && !skip.shape.SequenceEqual([model.Config.NEmbd, model.Config.NEmbd]))
                throw new InterpException($"{t.Sae.Describe()}: W_skip has shape [{string.Join(", ", skip.shape)}], expected [{model.Config.NEmbd}, {model.Config.NEmbd}]");
            byLayer[t.Layer] = t;
        }
        var missing = Enumerable.Range(0, layers).Where(l => byLayer[l] is null).ToArray();
        if (missing.Length > 0)
            throw new InterpException($"no transcoder for layer{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)}: an attribution graph replaces every MLP ({layers} layers)");
        return byLayer!;
    }

    /// <summary>The full output: <c>Decode(latents) + x · W_skipᵀ</c> <c>[..., d_out]</c>.</summary>
    public Tensor Output(Tensor x, Tensor latents)
    {
        var decoded = Sae.Decode(latents);
        return SkipWeight is null ? decoded : decoded + x.matmul(SkipWeight.t());
    }
}
