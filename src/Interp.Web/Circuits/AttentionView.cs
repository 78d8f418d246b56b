using Interp.Circuits;
using Interp.Model;

namespace Interp.Web.Circuits;

/// <summary>Every head's attention pattern on a prompt, as the page charts it.</summary>
/// <param name="Tokens">The prompt's tokens (BOS first).</param>
/// <param name="Layers">Per layer, [head][query][key].</param>
public sealed record AttentionView(string[] Tokens, IReadOnlyList<AttentionLayer> Layers)
{
    /// <summary>Heads per layer.</summary>
    public int Heads => Layers.Count == 0 ? 0 : Layers[0].Patterns.Length;

    /// <summary>Runs <paramref name="text"/> and reads every layer's patterns (on the model worker).</summary>
    /// <exception cref="Interp.Core.InterpException">Empty or too long text.</exception>
    public static AttentionView Run(Gpt2 model, string text, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ids = PromptInput.Encode(model, text, maxTokens);
        var r = AttentionPatterns.Run(model, ids);
        return new AttentionView(PromptTokens.Strings(model, r.TokenIds), r.Layers);
    }

    /// <summary>
    /// One head's pattern as heatmap rows (query) × columns (key); keys after the query (masked, always 0) are NaN,
    /// so the chart leaves them blank.
    /// </summary>
    public float[][] Pattern(int layer, int head) =>
        Layers[layer].Patterns[head].Select((row, q) => row.Select((w, k) => k > q ? float.NaN : w).ToArray()).ToArray();
}
