using Interp.AutoInterp.Explain;

namespace Interp.AutoInterp.Score;

/// <summary>Runs a judge over delphi samples and scores its answers against the truth.</summary>
public static class DelphiScoring
{
    /// <summary>The judge's answers on <paramref name="samples"/> and their scores.</summary>
    public static async Task<DelphiResult> ScoreAsync(IJudge judge, Explanation explanation, IReadOnlyList<DelphiSample> samples, DelphiTask task, CancellationToken cancellationToken)
    {
        var judgements = samples.Count == 0 ? [] : await judge.JudgeAsync(explanation, samples, task, cancellationToken).ConfigureAwait(false);
        var scores = ClassificationScores.Compute(
            samples.Select(s => s.Truth).ToList(),
            judgements.Select(j => j.Says).ToList(),
            judgements.Select(j => j.Probability).ToList());
        return new DelphiResult(scores, samples, judgements);
    }
}
