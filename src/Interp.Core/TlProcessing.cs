using System.Text.Json;
using System.Text.Json.Nodes;

namespace Interp.Core;

/// <summary>
/// Which of TransformerLens's weight-processing steps a model was loaded with (<c>HookedTransformer.from_pretrained</c>'s
/// <c>fold_ln</c>, <c>center_writing_weights</c>, <c>center_unembed</c>, <c>fold_value_biases</c>; the same names in
/// JSON). Plain data, so activation manifests and SAE configs can record it; Interp.Model's <c>WeightProcessing</c>
/// applies it.
/// </summary>
/// <param name="FoldLn">Fold each LayerNorm's weight and bias into the layers that read it (LayerNorm becomes LNPre).</param>
/// <param name="CenterWritingWeights">Subtract the mean over d_model from every weight and bias writing to the residual stream.</param>
/// <param name="CenterUnembed">Subtract W_U's mean over the vocabulary (logits shift, log-probabilities do not).</param>
/// <param name="FoldValueBiases">Move each head's value bias into the attention output bias.</param>
public sealed record TlProcessing(bool FoldLn = false, bool CenterWritingWeights = false, bool CenterUnembed = false, bool FoldValueBiases = false)
{
    /// <summary>The model as the checkpoint holds it (<c>from_pretrained_no_processing</c>).</summary>
    public static TlProcessing None { get; } = new();

    /// <summary>All four, as <c>HookedTransformer.from_pretrained</c> does by default.</summary>
    public static TlProcessing TransformerLensDefaults { get; } = new(true, true, true, true);

    /// <summary>The JSON keys, TransformerLens's keyword names.</summary>
    public static readonly IReadOnlyList<string> Keys = ["fold_ln", "center_writing_weights", "center_unembed", "fold_value_biases"];

    public bool IsNone => this == None;

    /// <summary>The steps that are on, by TransformerLens name, or <c>none</c>.</summary>
    public override string ToString() =>
        IsNone ? "none" : string.Join(", ", Keys.Where((_, i) => Flags[i]));

    private bool[] Flags => [FoldLn, CenterWritingWeights, CenterUnembed, FoldValueBiases];

    /// <summary>The four switches as SAELens's <c>model_from_pretrained_kwargs</c> (every key written, so no reader guesses a default).</summary>
    public JsonObject ToKwargs()
    {
        var json = new JsonObject();
        for (var i = 0; i < Keys.Count; i++) json[Keys[i]] = Flags[i];
        return json;
    }

    /// <summary>
    /// Reads SAELens's <c>model_from_pretrained_kwargs</c>. SAELens (since 3.x, <c>sae_lens/load_model.py</c> and
    /// <c>evals.py</c>) loads the model with <c>HookedTransformer.from_pretrained_no_processing(**kwargs)</c>: every step
    /// is off unless a kwarg turns it on, so a missing object or key means off. Other kwargs (<c>n_devices</c>, dtype, …)
    /// do not change the weights and are ignored; a processing key that is not true or false is an error naming it.
    /// </summary>
    public static TlProcessing FromKwargs(JsonObject? kwargs, string source)
    {
        if (kwargs is null) return None;
        bool Read(string key)
        {
            var node = kwargs[key];
            if (node is null) return false;
            if (node.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return node.GetValue<bool>();
            throw new InterpException($"{source}: model_from_pretrained_kwargs.{key} must be true or false, got {node.ToJsonString()}");
        }
        return new TlProcessing(Read(Keys[0]), Read(Keys[1]), Read(Keys[2]), Read(Keys[3]));
    }
}
