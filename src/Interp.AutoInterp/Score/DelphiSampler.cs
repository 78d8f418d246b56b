using Interp.Core.Records;

namespace Interp.AutoInterp.Score;

/// <summary>
/// Picks delphi's windows for a unit: activating windows from the quantile bands (round-robin, so every band is
/// represented), then the random activating windows, then the top records' test split; non-activating windows from
/// the unit's non-activating set, then its random records that never fire. Records the explainer saw are left out.
/// Windows are cut to <c>windowTokens</c> tokens (activating ones centred on their max). The order is shuffled with a
/// seed so that batches mix both kinds and re-runs repeat.
/// </summary>
public static class DelphiSampler
{
    /// <summary>Fraction of a window's max at which a token counts as active (delphi's 0.3).</summary>
    public const double ActiveFraction = 0.3;

    /// <summary>Detection samples: up to <paramref name="perClass"/> activating and as many non-activating windows.</summary>
    public static IReadOnlyList<DelphiSample> Detection(UnitRecord unit, IReadOnlyCollection<ActivationRecord> exclude, int perClass, int windowTokens, int seed)
    {
        var (activating, non) = Pools(unit, exclude, perClass);
        var samples = activating.Select(r => Crop(r, windowTokens, true)).Select(w => new DelphiSample(w.Tokens, w.Acts, true, [], true))
            .Concat(non.Select(r => Crop(r, windowTokens, false)).Select(w => new DelphiSample(w.Tokens, w.Acts, false, [], false)))
            .ToList();
        return Shuffle(samples, new Random(seed));
    }

    /// <summary>Fuzzing samples: activating windows with their active tokens marked, non-activating ones with as many random marks.</summary>
    public static IReadOnlyList<DelphiSample> Fuzzing(UnitRecord unit, IReadOnlyCollection<ActivationRecord> exclude, int perClass, int windowTokens, int seed)
    {
        var random = new Random(seed);
        var (activating, non) = Pools(unit, exclude, perClass);
        var samples = new List<DelphiSample>();
        var markCounts = new List<int>();
        foreach (var record in activating)
        {
            var (tokens, acts) = Crop(record, windowTokens, true);
            var max = acts.Max();
            var marks = Enumerable.Range(0, acts.Length).Where(i => acts[i] > 0 && acts[i] >= ActiveFraction * max).ToArray();
            markCounts.Add(marks.Length);
            samples.Add(new DelphiSample(tokens, acts, true, marks, true));
        }
        for (var i = 0; i < non.Count; i++)
        {
            var (tokens, acts) = Crop(non[i], windowTokens, false);
            var k = Math.Min(tokens.Length, markCounts.Count > 0 ? markCounts[i % markCounts.Count] : 1);
            var marks = Enumerable.Range(0, tokens.Length).OrderBy(_ => random.Next()).Take(k).Order().ToArray();
            samples.Add(new DelphiSample(tokens, acts, false, marks, false));
        }
        return Shuffle(samples, random);
    }

    private static (List<ActivationRecord> Activating, List<ActivationRecord> Non) Pools(UnitRecord unit, IReadOnlyCollection<ActivationRecord> exclude, int perClass)
    {
        var excluded = new HashSet<ActivationRecord>(exclude, ReferenceEqualityComparer.Instance);
        bool Usable(ActivationRecord r) => r.Tokens.Length > 0 && !excluded.Contains(r);

        var banded = new List<ActivationRecord>();
        var longest = unit.Bands.Count == 0 ? 0 : unit.Bands.Max(b => b.Records.Count);
        for (var i = 0; i < longest; i++)
            foreach (var band in unit.Bands)
                if (i < band.Records.Count) banded.Add(band.Records[i]);
        var testTop = unit.Top.Where((_, i) => i % 4 == 3);
        var activating = banded.Concat(unit.RandomActivating).Concat(testTop)
            .Where(r => Usable(r) && r.Max > 0).Distinct(ReferenceEqualityComparer.Instance).Cast<ActivationRecord>().Take(perClass).ToList();
        var non = unit.NonActivating.Concat(unit.Random.Where(r => r.Max <= 0))
            .Where(Usable).Distinct(ReferenceEqualityComparer.Instance).Cast<ActivationRecord>().Take(perClass).ToList();
        return (activating, non);
    }

    private static (string[] Tokens, float[] Acts) Crop(ActivationRecord record, int windowTokens, bool centreOnMax)
    {
        var n = Math.Min(record.Tokens.Length, record.Activations.Length);
        if (n <= windowTokens) return (record.Tokens[..n], record.Activations[..n]);
        var start = centreOnMax ? Math.Clamp(record.ArgMax - windowTokens / 2, 0, n - windowTokens) : 0;
        return (record.Tokens[start..(start + windowTokens)], record.Activations[start..(start + windowTokens)]);
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
