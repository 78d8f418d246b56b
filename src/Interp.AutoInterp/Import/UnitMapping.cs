using System.Text.RegularExpressions;
using Interp.Core.Records;

namespace Interp.AutoInterp.Import;

/// <summary>
/// How other tools' unit names map to Interp's units (the README's table): OpenAI's (layer_index, neuron_index) is the
/// MLP neuron <c>blocks.L.mlp.hook_post/N</c>; delphi's modules (<c>layers.L.mlp</c>, <c>transformer.h.L.mlp</c>,
/// <c>model.layers.L</c>, …) and Neuronpedia's sources (<c>6-res-jb</c>, …) map to the neurons or SAE latents read at the
/// matching hook; a TransformerLens hook name or an Interp unit source maps to itself. Where a name could be more than
/// one source (an MLP module: its neurons, or an SAE on its output), every candidate is listed and the records decide.
/// </summary>
public static partial class UnitMapping
{
    [GeneratedRegex(@"^\.?(?:base_model\.model\.|model\.|transformer\.|gpt_neox\.)?(?:layers|h|blocks)\.(\d+)(?:\.(.+))?$")]
    private static partial Regex Module();

    [GeneratedRegex(@"^(\d+)-(.+)$")]
    private static partial Regex NeuronpediaSource();

    /// <summary>OpenAI's neuron: layer <paramref name="layer"/>'s MLP neuron <paramref name="neuron"/>.</summary>
    public static ForeignUnit OpenAi(int layer, int neuron) =>
        new($"layer {layer} neuron {neuron}", [new UnitId(Mlp(layer), neuron)]);

    /// <summary>An Interp unit id (<c>source/index</c>); no candidate when it is not one.</summary>
    public static ForeignUnit Interp(string unit) => new(unit, UnitId.TryParse(unit, out var id) ? [id] : []);

    /// <summary>delphi's latent <paramref name="index"/> of <paramref name="module"/> (a hookpoint, or a TransformerLens hook).</summary>
    public static ForeignUnit Delphi(string module, int index) => new($"{module}_latent{index}", Sources(ModuleSources(module), index));

    /// <summary>Neuronpedia's feature <paramref name="index"/> of <paramref name="source"/> (<c>6-res-jb</c>, <c>0-mlp-out</c>, or an Interp source).</summary>
    public static ForeignUnit Neuronpedia(string source, int index) => new($"{source}/{index}", Sources(NeuronpediaSources(source), index));

    private static string Mlp(int layer) => $"blocks.{layer}.mlp.hook_post";

    private static List<UnitId> Sources(IEnumerable<string> sources, int index) => sources.Select(s => new UnitId(s, index)).ToList();

    private static IEnumerable<string> ModuleSources(string module)
    {
        if (module.StartsWith("sae:", StringComparison.Ordinal)) return [module];
        var m = Module().Match(module);
        if (!m.Success) return [];
        var layer = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var rest = m.Groups[2].Success ? m.Groups[2].Value : "";
        if (rest.StartsWith("hook_", StringComparison.Ordinal) || rest.Contains(".hook_", StringComparison.Ordinal))
        {
            var hook = $"blocks.{layer}.{rest}";
            return hook == Mlp(layer) ? [hook, "sae:" + hook] : ["sae:" + hook, hook];
        }
        return rest switch
        {
            "" or "output" => [$"sae:blocks.{layer}.hook_resid_post"],
            "mlp" => [Mlp(layer), $"sae:blocks.{layer}.hook_mlp_out", $"sae:{Mlp(layer)}"],
            "mlp.act" or "mlp.act_fn" or "mlp.gelu" => [Mlp(layer), $"sae:{Mlp(layer)}"],
            "attn" or "self_attn" or "attention" => [$"sae:blocks.{layer}.hook_attn_out", $"sae:blocks.{layer}.attn.hook_z"],
            _ => [],
        };
    }

    private static IEnumerable<string> NeuronpediaSources(string source)
    {
        if (source.StartsWith("sae:", StringComparison.Ordinal) || source.StartsWith("blocks.", StringComparison.Ordinal)) return [source];
        var m = NeuronpediaSource().Match(source);
        if (!m.Success) return [];
        var layer = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var kind = m.Groups[2].Value.ToLowerInvariant();
        if (kind.Contains("res_post") || kind.Contains("resid_post") || kind.Contains("res-post")) return [$"sae:blocks.{layer}.hook_resid_post"];
        if (kind.Contains("res_mid") || kind.Contains("resid_mid")) return [$"sae:blocks.{layer}.hook_resid_mid"];
        if (kind.StartsWith("res", StringComparison.Ordinal)) return [$"sae:blocks.{layer}.hook_resid_pre", $"sae:blocks.{layer}.hook_resid_post"];
        if (kind.StartsWith("att", StringComparison.Ordinal)) return [$"sae:blocks.{layer}.hook_attn_out", $"sae:blocks.{layer}.attn.hook_z"];
        if (kind.StartsWith("mlp", StringComparison.Ordinal) || kind.StartsWith("gelu", StringComparison.Ordinal) || kind.StartsWith("neuron", StringComparison.Ordinal))
            return [Mlp(layer), $"sae:blocks.{layer}.hook_mlp_out", $"sae:{Mlp(layer)}"];
        return [];
    }
}
