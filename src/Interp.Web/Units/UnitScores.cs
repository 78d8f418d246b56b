using System.Globalization;
using Interp.AutoInterp.Batch;

namespace Interp.Web.Units;

/// <summary>The scores a unit page lists, named as they were computed.</summary>
public static class UnitScores
{
    /// <summary>
    /// <paramref name="result"/>'s scores as (name, value) pairs in page order; undefined values are "–". R² and
    /// deviation explained are uncalibrated (OpenAI's scoring.py formulas on the simulator's 0–10 values times max/10)
    /// unless they come from the calibration line.
    /// </summary>
    public static IEnumerable<(string Name, string Value)> Of(UnitResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        static string F(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("0.000", CultureInfo.InvariantCulture) : "–";
        if (result.Scores is not { } s) yield break;
        if (s.Correlation is not null || s.RSquared is not null)
        {
            yield return ("correlation", F(s.Correlation));
            yield return ("uncalibrated R²", F(s.RSquared));
            yield return ("uncalibrated abs. deviation explained", F(s.AbsoluteDeviationExplained));
        }
        if (s.Calibrated is { } c)
        {
            yield return ("calibrated R²", F(c.RSquared));
            yield return ("calibrated deviation explained", F(c.AbsoluteDeviationExplained));
        }
        if (s.Detection is { } det)
        {
            yield return ("detection balanced accuracy", F(det.BalancedAccuracy));
            yield return ("detection F1", F(det.F1));
            if (det.Auc is not null) yield return ("detection AUC", F(det.Auc));
        }
        if (s.Fuzzing is { } fuz)
        {
            yield return ("fuzzing balanced accuracy", F(fuz.BalancedAccuracy));
            yield return ("fuzzing F1", F(fuz.F1));
            if (fuz.Auc is not null) yield return ("fuzzing AUC", F(fuz.Auc));
        }
    }
}
