using Interp.Circuits;
using Interp.Core;
using Interp.Model;

namespace Interp.Web.Circuits;

/// <summary>Activation patching of one hook over layers × positions, as the page charts it.</summary>
/// <param name="Target">The hook patched.</param>
/// <param name="Hook">Its name as the library reports it.</param>
/// <param name="CleanTokens">The clean prompt's tokens.</param>
/// <param name="CorruptTokens">The corrupt prompt's tokens (as many).</param>
/// <param name="Answer">The answer token as text.</param>
/// <param name="Wrong">The wrong token as text.</param>
/// <param name="CleanDiff">Logit difference (answer − wrong) of the clean run.</param>
/// <param name="CorruptDiff">Logit difference of the corrupt run.</param>
/// <param name="Values">[layer][position]: the normalised logit difference with that activation patched.</param>
/// <param name="HeadValues">[layer][position][head], for <see cref="PatchTarget.Z"/> only.</param>
public sealed record PatchView(PatchTarget Target, string Hook, string[] CleanTokens, string[] CorruptTokens, string Answer, string Wrong,
    double CleanDiff, double CorruptDiff, double[][] Values, double[][][]? HeadValues)
{
    /// <summary>Patches <paramref name="target"/> from the clean run into the corrupt one (on the model worker).</summary>
    /// <exception cref="InterpException">
    /// Empty or too long prompts, prompts of different lengths, answer or wrong not one token, answer and wrong the same.
    /// </exception>
    public static PatchView Run(Gpt2 model, string clean, string corrupt, string answer, string wrong, PatchTarget target, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        var cleanIds = PromptInput.Encode(model, clean, maxTokens, "clean prompt");
        var corruptIds = PromptInput.Encode(model, corrupt, maxTokens, "corrupt prompt");
        if (cleanIds.Length != corruptIds.Length)
            throw new InterpException($"the clean prompt is {cleanIds.Length} tokens and the corrupt prompt {corruptIds.Length}; patching position by position needs the same number");
        var answerId = PromptInput.Token(model, answer, "answer");
        var wrongId = PromptInput.Token(model, wrong, "wrong");
        if (answerId == wrongId)
            throw new InterpException($"the answer and wrong tokens are the same ({TokenText.Quote(PromptTokens.Strings(model, [answerId])[0])}); the logit difference needs two different tokens");
        var r = ActivationPatching.Run(model, cleanIds, corruptIds, answerId, wrongId, target);
        var names = PromptTokens.Strings(model, [answerId, wrongId]);
        return new PatchView(target, r.Hook, PromptTokens.Strings(model, cleanIds), PromptTokens.Strings(model, corruptIds), names[0], names[1],
            r.CleanDiff, r.CorruptDiff, r.Values, r.HeadValues);
    }

    /// <summary>Column labels: the clean token, and the corrupt one after a slash where they differ.</summary>
    public string[] PositionLabels() =>
        CleanTokens.Select((t, i) => t == CorruptTokens[i] ? t : t + " / " + CorruptTokens[i]).ToArray();
}
