namespace Interp.AutoInterp.Score;

/// <summary>
/// A yes/no scorer's result (delphi's detection and fuzzing): the confusion counts and, each null where undefined,
/// balanced accuracy, precision, recall, F1, and the AUC of the judge's probabilities when it gave them.
/// </summary>
public sealed record ClassificationScores(
    int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives,
    double? BalancedAccuracy, double? Precision, double? Recall, double? F1, double? Auc)
{
    /// <summary>Computes every figure from the truth, the judge's answers and (optionally) its probabilities of "yes".</summary>
    public static ClassificationScores Compute(IReadOnlyList<bool> truth, IReadOnlyList<bool> predicted, IReadOnlyList<double?>? probabilities = null)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException($"{truth.Count} truths but {predicted.Count} answers");
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < truth.Count; i++)
        {
            if (truth[i] && predicted[i]) tp++;
            else if (!truth[i] && predicted[i]) fp++;
            else if (!truth[i]) tn++;
            else fn++;
        }
        double? recall = tp + fn > 0 ? (double)tp / (tp + fn) : null;
        double? specificity = tn + fp > 0 ? (double)tn / (tn + fp) : null;
        double? precision = tp + fp > 0 ? (double)tp / (tp + fp) : null;
        double? balanced = recall is { } r && specificity is { } s ? (r + s) / 2 : null;
        double? f1 = precision is { } p && recall is { } rc ? (p + rc > 0 ? 2 * p * rc / (p + rc) : 0) : null;
        return new ClassificationScores(tp, fp, tn, fn, balanced, precision, recall, f1, AreaUnderCurve(truth, probabilities));
    }

    /// <summary>
    /// The probability that a random positive gets a higher probability than a random negative (ties count half);
    /// null without probabilities, with any missing, or without both classes.
    /// </summary>
    public static double? AreaUnderCurve(IReadOnlyList<bool> truth, IReadOnlyList<double?>? probabilities)
    {
        if (probabilities is null || probabilities.Count != truth.Count || probabilities.Any(p => p is null)) return null;
        var positives = new List<double>();
        var negatives = new List<double>();
        for (var i = 0; i < truth.Count; i++) (truth[i] ? positives : negatives).Add(probabilities[i]!.Value);
        if (positives.Count == 0 || negatives.Count == 0) return null;
        double wins = 0;
        foreach (var a in positives)
            foreach (var b in negatives)
                wins += a > b ? 1 : a == b ? 0.5 : 0;
        return wins / ((double)positives.Count * negatives.Count);
    }
}
