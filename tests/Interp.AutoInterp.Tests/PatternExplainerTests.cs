using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Score;
using Interp.AutoInterp.Simulate;
using Interp.Core.Records;
using Xunit.Abstractions;

namespace Interp.AutoInterp.Tests;

public class PatternExplainerTests(ITestOutputHelper output)
{
    private static readonly PipelineOptions CorrelationOnly = new(ScorerKinds.Correlation);

    private async Task<UnitResult> RunOffline(UnitRecord unit)
    {
        var pipeline = PipelineFactory.Create(ExplainerKind.Offline, SimulatorKind.Auto, JudgeKind.Auto, CorrelationOnly, llm: null);
        var result = await pipeline.RunAsync(unit, CancellationToken.None);
        output.WriteLine($"{unit.Id}: {result.Explanation} → correlation {result.Scores?.Correlation:F3}");
        return result;
    }

    [Fact]
    public async Task A_unit_that_fires_on_one_token_is_explained_by_that_token_and_scores_at_least_0_9()
    {
        var result = await RunOffline(Synthetic.FiresOnThe);
        var main = result.Pattern!.Rules[0];
        Assert.Empty(main.Context);
        Assert.True(main.Token.Matches(" the"), main.Describe());
        Assert.False(main.Token.Matches(" of"));
        Assert.Contains("\" the\"", result.Explanation);
        Assert.True(result.Scores!.Correlation >= 0.9, $"correlation {result.Scores.Correlation}");
    }

    [Fact]
    public async Task A_unit_that_fires_on_a_token_after_another_keeps_the_context_and_scores_at_least_0_9()
    {
        var result = await RunOffline(Synthetic.FiresOnTheAfterOf);
        var main = result.Pattern!.Rules[0];
        Assert.True(main.Token.Matches(" the"), main.Describe());
        var context = Assert.Single(main.Context);
        Assert.True(context.Matches(" of"), main.Describe());
        Assert.Contains("after", result.Explanation);
        Assert.True(result.Scores!.Correlation >= 0.9, $"correlation {result.Scores.Correlation}");
    }

    [Fact]
    public async Task A_unit_that_fires_on_digits_is_explained_by_the_number_class_and_scores_at_least_0_9()
    {
        var result = await RunOffline(Synthetic.FiresOnDigits);
        var main = result.Pattern!.Rules[0];
        Assert.Equal(new TokenMatcher(MatchKind.Class, TokenForms.Number), main.Token);
        Assert.Contains("a number", result.Explanation);
        Assert.True(result.Scores!.Correlation >= 0.9, $"correlation {result.Scores.Correlation}");
    }

    [Fact]
    public void A_wrong_explanation_scores_near_zero()
    {
        var unit = Synthetic.FiresOnThe;
        var scored = RecordSplits.Of(unit).Scored.Select(s => s.Record).ToList();
        var wrong = new Explanation("fires on \" and\"", new TokenPattern([new PatternRule([], new TokenMatcher(MatchKind.Exact, " and"), 1, 1, 1)]));
        var predicted = PatternSimulator.Simulate(wrong, scored).Select(s => s.Expected).ToList();
        var scores = SimulationScoring.Score(scored.Select(r => r.Activations).ToList(), predicted, 0, unit.MaxActivation / 10);
        output.WriteLine($"wrong explanation: correlation {scores.Correlation:F3}");
        Assert.NotNull(scores.Correlation);
        Assert.InRange(scores.Correlation!.Value, -0.2, 0.2);
    }

    [Fact]
    public void The_explainer_only_reads_the_records_it_is_given()
    {
        var records = new[]
        {
            new ActivationRecord([1, 2, 3, 4], ["a", " cat", " sat", "."], [0, 2, 0, 0]),
            new ActivationRecord([1, 2, 3, 4], ["the", " cat", " ran", "."], [0, 1.5f, 0, 0]),
        };
        var pattern = new PatternExplainer().Learn(records);
        var rule = Assert.Single(pattern.Rules);
        Assert.True(rule.Token.Matches(" cat"));
        Assert.Equal(new[] { 0f, 0f, 0f, 0f }, new CompiledPattern(pattern).Predict(["a", " dog", " sat", "."]));
        Assert.True(new CompiledPattern(pattern).Predict(["my", " cat"])[1] > 5);
    }

    [Fact]
    public void A_unit_that_never_fires_gets_an_empty_pattern()
    {
        var pattern = new PatternExplainer().Learn([new ActivationRecord([1, 2], ["a", "b"], [0, -1])]);
        Assert.Empty(pattern.Rules);
        Assert.Contains("no token pattern", pattern.Describe());
    }
}
