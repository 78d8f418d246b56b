using Interp.Core.Records;

namespace Interp.AutoInterp.Score;

/// <summary>
/// Picks delphi's windows for a unit (delphi <c>latents/samplers.py</c>, <c>scorers/classifier/fuzz.py</c>).
/// Activating windows: the unit's random activating windows (a uniform sample of the windows where it fires; the band
/// and unseen top windows when it has none), sorted by peak and cut into 10 equal-count deciles, with
/// <c>perClass / 10</c> drawn from each (delphi's <c>split_quantiles</c>; fewer than 10 windows: each is its own decile).
/// Non-activating windows: the unit's non-activating set, then its random records that never fire. No window that shares
/// text with one the explainer saw is used (<see cref="SeenWindows"/>). Windows are cut to <c>windowTokens</c> tokens
/// (activating ones centred on their max). The order is shuffled with a seed so that batches mix both kinds and re-runs
/// repeat.
/// </summary>
public static class DelphiSampler
{
    /// <summary>Fraction of a window's max at which a token counts as active (delphi's 0.3).</summary>
    public const double ActiveFraction = 0.3;

    /// <summary>Equal-count bands the activating windows are drawn from (delphi's <c>n_quantiles</c>).</summary>
    public const int Quantiles = 10;

    /// <summary>Detection samples: up to <paramref name="perClass"/> activating and as many non-activating windows.</summary>
    public static IReadOnlyList<DelphiSample> Detection(UnitRecord unit, IReadOnlyCollection<ActivationRecord> exclude, int perClass, int windowTokens, int seed)
    {
        var random = new Random(seed);
        var (activating, non) = Pools(unit, exclude, perClass, random);
        var samples = activating.Select(r => Crop(r, windowTokens, true, [], true))
            .Concat(non.Select(r => Crop(r, windowTokens, false, [], false))).ToList();
        return Shuffle(samples, random);
    }

    /// <summary>
    /// Fuzzing samples: activating windows with their tokens at ≥ 0.3 of the window's max marked; non-activating ones with
    /// as many random marks as delphi gives them: the ceiling of the mean number of firing tokens per activating window.
    /// </summary>
    public static IReadOnlyList<DelphiSample> Fuzzing(UnitRecord unit, IReadOnlyCollection<ActivationRecord> exclude, int perClass, int windowTokens, int seed)
    {
        var random = new Random(seed);
        var (activating, non) = Pools(unit, exclude, perClass, random);
        var samples = new List<DelphiSample>();
        foreach (var record in activating)
        {
            var window = Crop(record, windowTokens, true, [], true);
            var max = window.Activations.Max();
            var marks = Enumerable.Range(0, window.Activations.Length).Where(i => window.Activations[i] > 0 && window.Activations[i] >= ActiveFraction * max).ToArray();
            samples.Add(window with { Marks = marks });
        }
        // delphi's mean_n_activations_ceil counts non-zero activations; firing (> 0) is the same for SAE latents and
        // keeps a neuron's small negative values from marking every token.
        var wrongMarks = samples.Count == 0 ? 1 : (int)Math.Ceiling(samples.Average(s => s.Activations.Count(v => v > 0)));
        foreach (var record in non)
        {
            var window = Crop(record, windowTokens, false, [], false);
            var k = Math.Min(window.Tokens.Length, wrongMarks);
            var marks = Enumerable.Range(0, window.Tokens.Length).OrderBy(_ => random.Next()).Take(k).Order().ToArray();
            samples.Add(window with { Marks = marks });
        }
        return Shuffle(samples, random);
    }

    /// <summary>
    /// delphi's <c>split_quantiles</c>: <paramref name="windows"/> sorted by peak (highest first) in
    /// <see cref="Quantiles"/> equal-count slices (the remainder after the last slice unused, as there), and
    /// <c>perClass / Quantiles</c> (at least 1) drawn at random from each.
    /// </summary>
    public static List<ActivationRecord> SplitQuantiles(IReadOnlyList<ActivationRecord> windows, int perClass, Random random)
    {
        var sorted = windows.OrderByDescending(r => r.Max).ToList();
        var size = Math.Max(1, sorted.Count / Quantiles);
        var each = Math.Max(1, perClass / Quantiles);
        var picked = new List<ActivationRecord>();
        for (var q = 0; q < Quantiles && q * size < sorted.Count; q++)
        {
            var slice = sorted.GetRange(q * size, Math.Min(size, sorted.Count - q * size));
            picked.AddRange(slice.Count <= each ? slice : slice.OrderBy(_ => random.Next()).Take(each));
        }
        return picked.Take(perClass).ToList();
    }

    private static (List<ActivationRecord> Activating, List<ActivationRecord> Non) Pools(UnitRecord unit, IReadOnlyCollection<ActivationRecord> exclude, int perClass, Random random)
    {
        var seen = new SeenWindows(exclude);
        List<ActivationRecord> Usable(IEnumerable<ActivationRecord> records) => records
            .Where(r => r.Tokens.Length > 0 && !seen.Shares(r))
            .DistinctBy(r => r.Context < 0 ? (object)r : (r.Context, r.Start)).ToList();

        var activatingPool = Usable(unit.RandomActivating.Where(r => r.Max > 0));
        if (activatingPool.Count == 0)
            activatingPool = Usable(unit.Bands.SelectMany(b => b.Records).Concat(unit.Top).Where(r => r.Max > 0));
        var activating = SplitQuantiles(activatingPool, perClass, random);
        var non = Usable(unit.NonActivating.Concat(unit.Random.Where(r => r.Max <= 0))).Take(perClass).ToList();
        return (activating, non);
    }

    private static DelphiSample Crop(ActivationRecord record, int windowTokens, bool centreOnMax, int[] marks, bool truth)
    {
        var n = Math.Min(record.Tokens.Length, record.Activations.Length);
        var start = n <= windowTokens ? 0 : centreOnMax ? Math.Clamp(record.ArgMax - windowTokens / 2, 0, n - windowTokens) : 0;
        var length = Math.Min(n, windowTokens);
        return new DelphiSample(record.Tokens[start..(start + length)], record.Activations[start..(start + length)], truth, marks, truth,
            record.Context, record.Start + start);
    }

    private static List<DelphiSample> Shuffle(List<DelphiSample> samples, Random random)
    {
        for (var i = samples.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (samples[i], samples[j]) = (samples[j], samples[i]);
        }
        return samples;
    }
}
