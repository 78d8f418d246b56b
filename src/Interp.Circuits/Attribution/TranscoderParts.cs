using System.Text.RegularExpressions;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Model;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// A transcoder as the attribution graph reads it: the block whose MLP it replaces and its dictionary (a
/// <see cref="SparseAutoencoder"/> with <see cref="SaeConfig.IsTranscoder"/>, reading <c>blocks.L.ln2.hook_normalized</c>
/// and writing <c>blocks.L.hook_mlp_out</c>, with W_skip for the skip variants).
/// </summary>
internal sealed partial record TranscoderParts(int Layer, SparseAutoencoder Sae)
{
    [GeneratedRegex(@"^blocks\.(\d+)\.ln2\.hook_normalized$")]
    private static partial Regex InputHook();

    /// <summary>W_skip <c>[d_out, d_in]</c> of a skip transcoder (its output adds <c>x · W_skipᵀ</c>, x in the model's units), else null.</summary>
    public Tensor? SkipWeight => Sae.SkipWeight;

    /// <summary>The transcoder with its layer, read from its input hook.</summary>
    public static TranscoderParts From(SparseAutoencoder sae) => new(LayerOf(sae), sae);

    /// <summary>
    /// The block whose MLP <paramref name="sae"/> replaces; an SAE, or a transcoder of other hooks, is an
    /// <see cref="InterpException"/>.
    /// </summary>
    public static int LayerOf(SparseAutoencoder sae)
    {
        ArgumentNullException.ThrowIfNull(sae);
        var match = InputHook().Match(sae.Config.HookName);
        if (!match.Success || !int.TryParse(match.Groups[1].Value, out var layer))
            throw new InterpException($"{sae.Describe()}: hook_name '{sae.Config.HookName}' is not a transcoder's input (blocks.L.ln2.hook_normalized)");
        if (!sae.Config.IsTranscoder)
            throw new InterpException($"{sae.Describe()}: not a transcoder (it reconstructs its own input, not block {layer}'s MLP output)");
        if (sae.Config.OutputHookName != HookName.MlpOut(layer).Name)
            throw new InterpException($"{sae.Describe()}: hook_name_out '{sae.Config.OutputHookName}' is not {HookName.MlpOut(layer)}, the output of the MLP it reads the input of");
        return layer;
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
            if (t.Sae.DOut != model.Config.NEmbd)
                throw new InterpException($"{t.Sae.Describe()}: d_out={t.Sae.DOut} does not match {HookName.MlpOut(t.Layer)}, whose width is {model.Config.NEmbd}");
            byLayer[t.Layer] = t;
        }
        var missing = Enumerable.Range(0, layers).Where(l => byLayer[l] is null).ToArray();
        if (missing.Length > 0)
            throw new InterpException($"no transcoder for layer{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)}: an attribution graph replaces every MLP ({layers} layers)");
        return byLayer!;
    }

    /// <summary>The full output: <c>Decode(latents) + x · W_skipᵀ</c> <c>[..., d_out]</c>.</summary>
    public Tensor Output(Tensor x, Tensor latents) => Sae.Decode(latents) + Sae.Skip(x);
}
