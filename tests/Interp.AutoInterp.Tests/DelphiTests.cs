using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Score;

namespace Interp.AutoInterp.Tests;

public class DelphiTests
{
    [Fact]
    public async Task Offline_detection_and_fuzzing_of_a_correct_pattern_score_high_and_of_a_wrong_one_near_chance()
    {
        var unit = Synthetic.FiresOnTheAfterOf;
        var pipeline = PipelineFactory.Create(ExplainerKind.Offline, SimulatorKind.Auto, JudgeKind.Auto,
            new PipelineOptions(ScorerKinds.Correlation | ScorerKinds.Detection | ScorerKinds.Fuzzing), llm: null);
        var result = await pipeline.RunAsync(unit, CancellationToken.None);
        Assert.Equal("pattern", result.Judge);
        var detection = result.Scores!.Detection!;
        var fuzzing = result.Scores.Fuzzing!;
        Assert.Equal(40, result.Detection!.Count);
        Assert.Equal(20, result.Detection.Count(s => s.Truth));
        Assert.True(detection.BalancedAccuracy >= 0.9, $"{detection}");
        Assert.True(detection.Auc >= 0.9, $"{detection}");
        Assert.True(fuzzing.BalancedAccuracy >= 0.9, $"{fuzzing}");
        Assert.All(result.Fuzzing!.Where(s => s.Activating), s => Assert.NotEmpty(s.Marks!));

        var wrong = new Explain.Explanation("x", new Explain.TokenPattern([new Explain.PatternRule([], new Explain.TokenMatcher(Explain.MatchKind.Exact, " and"), 1, 1, 1)]));
        var samples = DelphiSampler.Detection(unit, [], 20, 32, seed: 1);
        var wrongScores = await DelphiScoring.ScoreAsync(new PatternJudge(), wrong, samples, DelphiTask.Detection, CancellationToken.None);
        Assert.InRange(wrongScores.Scores.BalancedAccuracy!.Value, 0.3, 0.75);
    }

    [Fact]
    public void Samples_repeat_for_the_same_seed_and_leave_out_the_explainers_records()
    {
        var unit = Synthetic.FiresOnDigits;
        var a = DelphiSampler.Fuzzing(unit, unit.Top, 10, 32, seed: 7);
        var b = DelphiSampler.Fuzzing(unit, unit.Top, 10, 32, seed: 7);
        Assert.Equal(a.Select(s => string.Concat(s.Tokens) + string.Join(",", s.Marks)), b.Select(s => string.Concat(s.Tokens) + string.Join(",", s.Marks)));
        Assert.All(a, s => Assert.True(s.Tokens.Length <= 32));
        Assert.All(a.Where(s => !s.Activating), s => Assert.All(s.Activations, v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void Fuzzing_marks_are_rendered_around_runs_of_tokens_with_leading_spaces_outside()
    {
        var sample = new DelphiSample(["The", " big", " cat", " sat", "\n"], new float[5], true, [1, 2], true);
        Assert.Equal("The <<big cat>> sat\\n", JudgePrompt.Render(sample, marked: true));
        Assert.Equal("The big cat sat\\n", JudgePrompt.Render(sample, marked: false));
    }
}
