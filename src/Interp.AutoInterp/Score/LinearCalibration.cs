using MathNet.Numerics;

namespace Interp.AutoInterp.Score;

/// <summary>
/// The calibration map from the 0–10 scale to activation units: the least-squares line <c>t ≈ a + b·p</c> over the
/// calibration records (OpenAI's linear calibration), fitted with MathNet's <c>Fit.Line</c>.
/// </summary>
public static class LinearCalibration
{
    /// <summary>(intercept, slope), or null when the predictions are constant (no line can be fitted).</summary>
    public static (double Intercept, double Slope)? Fit(IReadOnlyList<float[]> truth, IReadOnlyList<float[]> predicted)
    {
        var (t, p) = SimulationScoring.Flatten(truth, predicted);
        if (p.Length < 2 || p.All(v => v == p[0])) return null;
        var (a, b) = MathNet.Numerics.Fit.Line(p, t);
        return double.IsFinite(a) && double.IsFinite(b) ? (a, b) : null;
    }
}
