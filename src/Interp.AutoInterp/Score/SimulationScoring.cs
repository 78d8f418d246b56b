using MathNet.Numerics.Statistics;

namespace Interp.AutoInterp.Score;

/// <summary>
/// OpenAI's scores over all scored records concatenated (not averaged per record): the Pearson correlation between
/// true activations and predictions (undefined, null, when either side is constant); R² = 1 − mean((t−p)²)/mean(t²)
/// and absolute deviation explained = 1 − mean|t−p|/mean|t|, with predictions mapped to activation units by
/// <c>p ↦ intercept + slope·p</c>: uncalibrated, the discretisation's inverse (slope = max/10); calibrated, a line fitted
/// on the calibration split. Calibration moves R² and deviation, never the correlation.
/// </summary>
public static class SimulationScoring
{
    /// <summary>Scores <paramref name="predicted"/> (0–10 scale) against <paramref name="truth"/>, record by record.</summary>
    public static SimulationScores Score(IReadOnlyList<float[]> truth, IReadOnlyList<float[]> predicted, double intercept, double slope)
    {
        var (t, p) = Flatten(truth, predicted);
        var mapped = p.Select(v => intercept + slope * v).ToArray();
        return new SimulationScores(Correlation(t, p), RSquared(t, mapped), AbsoluteDeviationExplained(t, mapped), intercept, slope);
    }

    /// <summary>Both sides concatenated into flat arrays; throws when a record's lengths differ.</summary>
    public static (double[] Truth, double[] Predicted) Flatten(IReadOnlyList<float[]> truth, IReadOnlyList<float[]> predicted)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException($"{truth.Count} true records but {predicted.Count} predicted");
        var t = new List<double>();
        var p = new List<double>();
        for (var r = 0; r < truth.Count; r++)
        {
            if (truth[r].Length != predicted[r].Length)
                throw new ArgumentException($"record {r}: {truth[r].Length} true values but {predicted[r].Length} predicted");
            foreach (var v in truth[r]) t.Add(v);
            foreach (var v in predicted[r]) p.Add(v);
        }
        return (t.ToArray(), p.ToArray());
    }

    /// <summary>Pearson correlation, or null when fewer than two values or either side is constant.</summary>
    public static double? Correlation(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        if (truth.Count < 2 || IsConstant(truth) || IsConstant(predicted)) return null;
        var r = MathNet.Numerics.Statistics.Correlation.Pearson(truth, predicted);
        return double.IsFinite(r) ? Math.Clamp(r, -1, 1) : null;
    }

    /// <summary>1 − mean((t−p)²)/mean(t²), or null when every true value is 0 (or there are none).</summary>
    public static double? RSquared(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        if (truth.Count == 0) return null;
        var meanSquare = truth.Select(v => v * v).Mean();
        if (!(meanSquare > 0)) return null;
        var mse = truth.Zip(predicted, (a, b) => (a - b) * (a - b)).Mean();
        return 1 - mse / meanSquare;
    }

    /// <summary>1 − mean|t−p|/mean|t|, or null when every true value is 0 (or there are none).</summary>
    public static double? AbsoluteDeviationExplained(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        if (truth.Count == 0) return null;
        var meanAbs = truth.Select(Math.Abs).Mean();
        if (!(meanAbs > 0)) return null;
        var mae = truth.Zip(predicted, (a, b) => Math.Abs(a - b)).Mean();
        return 1 - mae / meanAbs;
    }

    private static bool IsConstant(IReadOnlyList<double> values)
    {
        for (var i = 1; i < values.Count; i++)
            if (values[i] != values[0]) return false;
        return true;
    }
}
