using Interp.Circuits;
using Interp.Model;
using Interp.Core;
using static TorchSharp.torch;

namespace Interp.Web.Circuits;

/// <summary>Direct logit attribution of one token at one position, as the page charts it.</summary>
/// <param name="Tokens">The prompt's tokens (BOS first).</param>
/// <param name="Position">The position whose logit is split.</param>
/// <param name="Token">The target token's id.</param>
/// <param name="TokenString">The target token as text.</param>
/// <param name="IsTopPrediction">Whether the target was the model's own top prediction (no token was typed).</param>
/// <param name="Logit">The target's logit.</param>
/// <param name="Components">The logit's parts, in model order.</param>
public sealed record DlaView(string[] Tokens, int Position, int Token, string TokenString, bool IsTopPrediction, double Logit, IReadOnlyList<DlaComponent> Components)
{
    /// <summary>
    /// Splits the logit of <paramref name="target"/> (blank: the model's top prediction) at <paramref name="position"/>
    /// (null: the last) of <paramref name="text"/> (on the model worker).
    /// </summary>
    /// <exception cref="InterpException">Empty or too long text, a target that is not one token, a position outside the prompt.</exception>
    public static DlaView Run(Gpt2 model, string text, string target, int? position, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);
        var ids = PromptInput.Encode(model, text, maxTokens);
        var at = position ?? ids.Length - 1;
        if (at < 0 || at >= ids.Length) throw new InterpException($"position {at} is outside the prompt: it has {ids.Length} tokens (positions 0–{ids.Length - 1})");
        var top = target.Length == 0;
        var token = top ? TopPrediction(model, ids, at) : PromptInput.Token(model, target, "target");
        var dla = DirectLogitAttribution.Run(model, ids, token, at);
        return new DlaView(PromptTokens.Strings(model, ids), dla.Position, dla.Token, PromptTokens.Strings(model, [dla.Token])[0], top, dla.Logit, dla.Components);
    }

    private static int TopPrediction(Gpt2 model, int[] ids, int position)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], device: model.Device);
        return (int)model.Run(input)[0, position].argmax().item<long>();
    }
}
