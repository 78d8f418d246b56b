using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Simulate;

namespace Interp.AutoInterp.Score;

/// <summary>
/// Delphi's judge with no LLM, driven by the pattern simulator: detection says yes when the pattern predicts the unit
/// fires somewhere in the window (probability: the largest prediction / 10); fuzzing says yes when the pattern
/// predicts firing on at least half of the marked tokens (probability: their mean prediction / 10).
/// </summary>
public sealed class PatternJudge : IJudge
{
    /// <summary>A prediction at or above this (0–10 scale) counts as firing.</summary>
    public const float FiringLevel = 1f;

    /// <inheritdoc />
    public string Name => "pattern";

    /// <inheritdoc />
    public Task<IReadOnlyList<Judgement>> JudgeAsync(Explanation explanation, IReadOnlyList<DelphiSample> samples, DelphiTask task, CancellationToken cancellationToken)
    {
        var pattern = PatternSimulator.Compile(explanation);
        var judgements = new List<Judgement>(samples.Count);
        foreach (var sample in samples)
        {
            var predicted = pattern.Predict(sample.Tokens);
            if (task == DelphiTask.Detection)
            {
                var max = predicted.Length == 0 ? 0 : predicted.Max();
                judgements.Add(new Judgement(max >= FiringLevel, max / 10.0));
            }
            else
            {
                if (sample.Marks.Length == 0)
                {
                    judgements.Add(new Judgement(false, 0));
                    continue;
                }
                var firing = sample.Marks.Count(i => predicted[i] >= FiringLevel);
                var mean = sample.Marks.Average(i => predicted[i]);
                judgements.Add(new Judgement(2 * firing >= sample.Marks.Length, mean / 10.0));
            }
        }
        return Task.FromResult<IReadOnlyList<Judgement>>(judgements);
    }
}
