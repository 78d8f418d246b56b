using Interp.AutoInterp.Score;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests;

/// <summary>
/// The windows scored are delphi's and OpenAI's: nothing the explainer saw comes back to be scored, activating windows
/// come from equal-count deciles (delphi's <c>split_quantiles</c>), and fuzzing marks as many wrong tokens as delphi does.
/// </summary>
public class SamplingFidelityTests
{
    private const int Window = 64;

    // A window of context c at [start, start + 64): every token names its place (" c3p10"), so shared text is visible.
    private static ActivationRecord At(long context, int start, Func<int, float> value) => new(
        Enumerable.Range(start, Window).Select(p => (int)context * 1000 + p).ToArray(),
        Enumerable.Range(start, Window).Select(p => $" c{context}p{p}").ToArray(),
        Enumerable.Range(start, Window).Select(value).ToArray(), context, start);

    private static ActivationRecord Quiet(long context) => At(context, 0, _ => 0f);

    private static ActivationRecord Peak(long context, float peak) => At(context, 8, p => p == 56 ? peak : 0f);

    [Fact]
    public void No_scored_example_shares_a_window_with_an_explanation_example()
    {
        // As records builds a sparse unit: its 30 activating contexts are cut around the peak once for the top windows
        // and again, as other objects, for the random activating windows; some uniform random windows overlap top ones.
        var activating = Enumerable.Range(0, 30).Select(c => Peak(c, 40f - c)).ToList();
        var random = Enumerable.Range(0, 20).Select(i => i is 1 or 4 or 7 ? At(i / 3 * 4, 0, p => p == 56 ? 40f - i / 3 * 4 : 0f) : Quiet(100 + i)).ToList();
        var unit = new UnitRecord
        {
            Id = new UnitId("sparse", 0), TokensSeen = 100_000, ActiveTokens = 30, MaxActivation = 40, MeanActivation = 0.01,
            Top = activating.Take(12).Select(r => r with { Activations = [.. r.Activations] }).ToList(),
            RandomActivating = activating,
            Random = random,
            NonActivating = Enumerable.Range(200, 20).Select(c => Quiet(c)).ToList(),
        };

        var splits = RecordSplits.Of(unit);
        var seen = splits.Train.SelectMany(r => r.Tokens).ToHashSet();
        Assert.Equal([" c0p8", " c4p8", " c8p8"], splits.Train.Select(r => r.Tokens[0]));

        Assert.Contains(splits.Scored, s => s.Kind == ScoredRecordKind.Random);
        Assert.All(splits.Scored, s => Assert.DoesNotContain(s.Record.Tokens, seen.Contains));
        var detection = DelphiSampler.Detection(unit, splits.Train, 20, 32, seed: 5);
        var fuzzing = DelphiSampler.Fuzzing(unit, splits.Train, 20, 32, seed: 6);
        Assert.Equal(20, detection.Count(s => s.Activating));
        Assert.All(detection.Concat(fuzzing), s => Assert.DoesNotContain(s.Tokens, seen.Contains));
    }

    [Fact]
    public void Activating_windows_are_drawn_evenly_from_ten_equal_count_deciles_of_the_peaks()
    {
        // 100 activating windows with peaks 1..100, listed lowest first: deciles are peaks 91–100, 81–90, …, 1–10.
        var unit = new UnitRecord
        {
            Id = new UnitId("dense", 0), TokensSeen = 100_000, ActiveTokens = 100, MaxActivation = 100, MeanActivation = 0.01,
            Top = [],
            RandomActivating = Enumerable.Range(0, 100).Select(c => Peak(c, c + 1)).ToList(),
            NonActivating = Enumerable.Range(200, 20).Select(c => Quiet(c)).ToList(),
        };

        var samples = DelphiSampler.Detection(unit, [], 20, 32, seed: 3);

        var deciles = samples.Where(s => s.Activating).GroupBy(s => (int)((100 - s.Activations.Max()) / 10)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(0, 10), deciles.Keys.Order());
        Assert.All(deciles.Values, n => Assert.Equal(2, n));
        Assert.Equal(20, samples.Count(s => !s.Activating));
    }

    [Fact]
    public void Fuzzing_marks_each_non_activating_window_with_the_ceiling_of_the_mean_count_of_firing_tokens()
    {
        // Each activating window fires on its peak (marked: ≥ 0.3 of the max) and weakly on 2 or 3 more tokens (not
        // marked); delphi marks ⌈mean firing tokens⌉ = ⌈3.5⌉ = 4 random tokens of every non-activating window.
        var unit = new UnitRecord
        {
            Id = new UnitId("fuzz", 0), TokensSeen = 100_000, ActiveTokens = 70, MaxActivation = 10, MeanActivation = 0.01,
            Top = [],
            RandomActivating = Enumerable.Range(0, 20).Select(c => At(c, 8, p => p == 56 ? 10f : p == 50 || p == 52 || (c % 2 == 1 && p == 54) ? 0.5f : 0f)).ToList(),
            NonActivating = Enumerable.Range(200, 20).Select(c => Quiet(c)).ToList(),
        };

        var samples = DelphiSampler.Fuzzing(unit, [], 20, 32, seed: 9);

        Assert.Equal(20, samples.Count(s => s.Activating));
        Assert.All(samples.Where(s => s.Activating), s => Assert.Equal([Array.IndexOf(s.Activations, 10f)], s.Marks));
        Assert.All(samples.Where(s => !s.Activating), s => Assert.Equal(4, s.Marks.Length));
    }
}
