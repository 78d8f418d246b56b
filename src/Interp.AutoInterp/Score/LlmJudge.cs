using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Llm;

namespace Interp.AutoInterp.Score;

/// <summary>
/// Delphi's judge with an LLM: samples in batches of <paramref name="batchSize"/> (5 in delphi), temperature 0, with
/// log-probabilities when <paramref name="logProbs"/> so that each answer has P(1)/(P(0)+P(1)) for the AUC.
/// </summary>
public sealed class LlmJudge(ILlmClient llm, int batchSize = 5, bool logProbs = true) : IJudge
{
    /// <inheritdoc />
    public string Name => "llm";

    /// <summary>The request for one batch.</summary>
    public LlmRequest Request(Explanation explanation, IReadOnlyList<DelphiSample> batch, DelphiTask task) =>
        new(JudgePrompt.Build(explanation.Text, batch, task), Temperature: 0, MaxTokens: 8 + 4 * batch.Count, LogProbs: logProbs);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Judgement>> JudgeAsync(Explanation explanation, IReadOnlyList<DelphiSample> samples, DelphiTask task, CancellationToken cancellationToken)
    {
        var judgements = new List<Judgement>(samples.Count);
        for (var start = 0; start < samples.Count; start += batchSize)
        {
            var batch = samples.Skip(start).Take(batchSize).ToList();
            var request = Request(explanation, batch, task);
            var response = await llm.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
            try
            {
                judgements.AddRange(JudgePrompt.Parse(response, batch.Count));
            }
            catch (MalformedAnswerException)
            {
                llm.Forget(request);
                throw;
            }
        }
        return judgements;
    }
}
