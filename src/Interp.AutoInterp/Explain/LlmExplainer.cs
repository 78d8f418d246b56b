using Interp.AutoInterp.Llm;
using Interp.Core.Records;

namespace Interp.AutoInterp.Explain;

/// <summary>
/// Explains a unit with an LLM: the <see cref="ExplainerPrompt"/> over the first <paramref name="maxRecords"/>
/// train-split records (OpenAI's demo shows 5), temperature 1, about 60 tokens of answer. An answer with no usable
/// line throws <see cref="MalformedAnswerException"/> (and is dropped from the cache so that a re-run asks again).
/// </summary>
public sealed class LlmExplainer(ILlmClient llm, int maxRecords = 5) : IExplainer
{
    /// <inheritdoc />
    public string Name => "llm";

    /// <summary>The request for <paramref name="train"/> (what <see cref="ExplainAsync"/> sends).</summary>
    public LlmRequest Request(IReadOnlyList<ActivationRecord> train) =>
        new(ExplainerPrompt.Build(train.Take(maxRecords).ToList()), Temperature: 1.0, MaxTokens: 60);

    /// <inheritdoc />
    public async Task<Explanation> ExplainAsync(UnitRecord unit, IReadOnlyList<ActivationRecord> train, CancellationToken cancellationToken)
    {
        var request = Request(train);
        var response = await llm.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        if (ExplainerPrompt.ParseAnswer(response.Text) is { } text) return new Explanation(text);
        llm.Forget(request);
        throw new MalformedAnswerException($"explainer answer has no explanation line: '{Preview(response.Text)}'");
    }

    internal static string Preview(string text)
    {
        var flat = text.Replace("\n", "\\n");
        return flat.Length <= 80 ? flat : flat[..77] + "...";
    }
}
