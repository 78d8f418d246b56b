using Interp.Circuits;
using Interp.Model;

namespace Interp.Web.Circuits;

/// <summary>
/// The logit lens of a prompt as the page charts it: per residual-stream point (row) and position (column), the top
/// tokens as text and their probabilities, best first.
/// </summary>
/// <param name="Tokens">The prompt's tokens (BOS first).</param>
/// <param name="Hooks">The residual-stream points, in model order (each block's resid_pre, then the final resid_post).</param>
/// <param name="Probabilities">[point][position][k]: probability of the k-th top token.</param>
/// <param name="TopTokens">[point][position][k]: the k-th top token.</param>
public sealed record LensView(string[] Tokens, IReadOnlyList<string> Hooks, float[][][] Probabilities, string[][][] TopTokens)
{
    /// <summary>Runs the logit lens on <paramref name="text"/> (on the model worker).</summary>
    /// <exception cref="Interp.Core.InterpException">Empty or too long text.</exception>
    public static LensView Run(Gpt2 model, string text, int top, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ids = PromptInput.Encode(model, text, maxTokens);
        var lens = LogitLens.Run(model, ids, top);
        return new LensView(
            PromptTokens.Strings(model, lens.TokenIds),
            lens.Layers.Select(l => l.Hook).ToArray(),
            lens.Layers.Select(l => l.TopLogprobs.Select(p => p.Select(MathF.Exp).ToArray()).ToArray()).ToArray(),
            lens.Layers.Select(l => l.TopIds.Select(p => PromptTokens.Strings(model, p)).ToArray()).ToArray());
    }
}
