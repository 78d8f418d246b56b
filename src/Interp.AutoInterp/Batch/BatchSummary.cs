using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using MathNet.Numerics.Statistics;
using Interp.AutoInterp.Score;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// What <c>summary.json</c> holds: unit counts, the distribution of each simulation score (how many were defined,
/// mean, median, share ≥ 0.8, a histogram over [−1, 1] in steps of 0.1), and delphi's detection and fuzzing means
/// (F1 also weighted by each unit's density, as delphi reports it). Reasons of failures are counted.
/// </summary>
public sealed record BatchSummary(
    int Units, int Ok, int Failed,
    ScoreDistribution Correlation,
    ScoreDistribution RSquared,
    ScoreDistribution AbsoluteDeviationExplained,
    ScoreDistribution? CalibratedRSquared,
    ClassificationSummary? Detection,
    ClassificationSummary? Fuzzing,
    IReadOnlyDictionary<string, int> Failures)
{
    /// <summary>The summary of <paramref name="results"/> (one per unit; heads are enough, see <see cref="ResultsFile.ReadAll"/>).</summary>
    public static BatchSummary Compute(IReadOnlyList<UnitResult> results)
    {
        var ok = results.Where(r => r.Ok).ToList();
        var failures = results.Where(r => !r.Ok)
            .GroupBy(r => Reason(r.Error))
            .OrderByDescending(g => g.Count())
            .ToDictionary(g => g.Key, g => g.Count());
        var calibrated = ok.Where(r => r.Scores?.Calibrated is not null).ToList();
        return new BatchSummary(results.Count, ok.Count, results.Count - ok.Count,
            ScoreDistribution.Of(ok.Where(r => r.Simulator is not null).Select(r => r.Scores?.Correlation)),
            ScoreDistribution.Of(ok.Where(r => r.Simulator is not null).Select(r => r.Scores?.RSquared)),
            ScoreDistribution.Of(ok.Where(r => r.Simulator is not null).Select(r => r.Scores?.AbsoluteDeviationExplained)),
            calibrated.Count == 0 ? null : ScoreDistribution.Of(calibrated.Select(r => r.Scores!.Calibrated!.RSquared)),
            ClassificationSummary.Of(ok.Where(r => r.Scores?.Detection is not null).Select(r => (r.Scores!.Detection!, r.Density))),
            ClassificationSummary.Of(ok.Where(r => r.Scores?.Fuzzing is not null).Select(r => (r.Scores!.Fuzzing!, r.Density))),
            failures);
    }

    private static string Reason(string? error)
    {
        if (string.IsNullOrEmpty(error)) return "unknown";
        var colon = error.IndexOf(':');
        return colon > 0 && colon < 60 ? error[..colon] : error.Length <= 60 ? error : error[..60];
    }

    /// <summary>Readable lines for the terminal.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"units: {Units} ({Ok} ok, {Failed} failed)";
        if (Correlation.Scored + Correlation.Undefined > 0)
        {
            yield return "correlation: " + Correlation.Describe();
            // scoring.py's formulas on predictions that are only rescaled (0–10 times max/10), not calibrated: the
            // calibration line (OpenAI's LinearCalibratedNeuronSimulator) is fitted only when asked for.
            yield return "R² (uncalibrated): " + RSquared.Describe(withShare: false);
            yield return "abs. dev. explained (uncalibrated): " + AbsoluteDeviationExplained.Describe(withShare: false);
            if (CalibratedRSquared is { } c) yield return "R² (calibrated): " + c.Describe(withShare: false);
            yield return "correlation histogram:";
            foreach (var line in Correlation.Bars()) yield return "  " + line;
        }
        if (Detection is { } d) yield return "detection:   " + d.Describe();
        if (Fuzzing is { } f) yield return "fuzzing:     " + f.Describe();
        foreach (var (reason, count) in Failures) yield return $"failed ({count}): {reason}";
    }
}

/// <summary>A score over units: how many defined and undefined, mean, median, share ≥ 0.8, and a histogram over [−1, 1].</summary>
public sealed record ScoreDistribution(int Scored, int Undefined, double? Mean, double? Median,
    [property: JsonPropertyName("share_ge_0_8")] double? ShareAtLeast08, double[] Edges, long[] Counts)
{
    /// <summary>The distribution of <paramref name="scores"/> (null = undefined). Values below −1 fall in the first bin.</summary>
    public static ScoreDistribution Of(IEnumerable<double?> scores)
    {
        var all = scores.ToList();
        var defined = all.Where(s => s is not null).Select(s => s!.Value).ToArray();
        var edges = Enumerable.Range(0, 21).Select(i => Math.Round(-1 + 0.1 * i, 1)).ToArray();
        var counts = new long[20];
        foreach (var v in defined) counts[Math.Clamp((int)Math.Floor((v + 1) / 0.1 + 1e-9), 0, 19)]++;
        return new ScoreDistribution(defined.Length, all.Count - defined.Length,
            defined.Length == 0 ? null : Math.Round(defined.Mean(), 6),
            defined.Length == 0 ? null : Math.Round(defined.Median(), 6),
            defined.Length == 0 ? null : Math.Round((double)defined.Count(v => v >= 0.8) / defined.Length, 6),
            edges, counts);
    }

    /// <summary>One line: scored, undefined, mean, median, share ≥ 0.8.</summary>
    public string Describe(bool withShare = true)
    {
        var text = new StringBuilder($"{Scored} scored, {Undefined} undefined");
        if (Mean is { } m) text.Append(CultureInfo.InvariantCulture, $"; mean {m:F3}, median {Median:F3}");
        if (withShare && ShareAtLeast08 is { } s) text.Append(CultureInfo.InvariantCulture, $", ≥ 0.8: {100 * s:F1}%");
        return text.ToString();
    }

    /// <summary>The non-empty part of the histogram as text bars.</summary>
    public IEnumerable<string> Bars()
    {
        var max = Counts.Length == 0 ? 0 : Counts.Max();
        if (max == 0) yield break;
        var first = Array.FindIndex(Counts, c => c > 0);
        var last = Array.FindLastIndex(Counts, c => c > 0);
        for (var i = first; i <= last; i++)
            yield return string.Create(CultureInfo.InvariantCulture, $"[{Edges[i],4:F1}, {Edges[i + 1],4:F1}) {Counts[i],6} {new string('#', (int)Math.Ceiling(40.0 * Counts[i] / max))}");
    }
}

/// <summary>Means of delphi's scores over units (undefined values left out), and F1 weighted by unit density.</summary>
public sealed record ClassificationSummary(int Scored, double? BalancedAccuracy, double? Precision, double? Recall, double? F1, double? FrequencyWeightedF1, double? Auc)
{
    /// <summary>The summary of per-unit scores, or null when there are none.</summary>
    public static ClassificationSummary? Of(IEnumerable<(ClassificationScores Scores, double? Density)> units)
    {
        var list = units.ToList();
        if (list.Count == 0) return null;
        static double? MeanOf(IEnumerable<double?> values)
        {
            var v = values.Where(x => x is not null).Select(x => x!.Value).ToArray();
            return v.Length == 0 ? null : Math.Round(v.Mean(), 6);
        }
        var weighted = list.Where(u => u.Scores.F1 is not null && u.Density is > 0).ToList();
        var weightSum = weighted.Sum(u => u.Density!.Value);
        double? weightedF1 = weightSum > 0 ? Math.Round(weighted.Sum(u => u.Scores.F1!.Value * u.Density!.Value) / weightSum, 6) : null;
        return new ClassificationSummary(list.Count,
            MeanOf(list.Select(u => u.Scores.BalancedAccuracy)), MeanOf(list.Select(u => u.Scores.Precision)),
            MeanOf(list.Select(u => u.Scores.Recall)), MeanOf(list.Select(u => u.Scores.F1)), weightedF1,
            MeanOf(list.Select(u => u.Scores.Auc)));
    }

    /// <summary>One line of means.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Scored} units; balanced accuracy {Fmt(BalancedAccuracy)}, precision {Fmt(Precision)}, recall {Fmt(Recall)}, F1 {Fmt(F1)} (frequency-weighted {Fmt(FrequencyWeightedF1)}), AUC {Fmt(Auc)}");

    private static string Fmt(double? v) => v is { } x ? x.ToString("F3", CultureInfo.InvariantCulture) : "undefined";
}
