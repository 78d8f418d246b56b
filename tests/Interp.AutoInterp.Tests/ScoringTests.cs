using Interp.AutoInterp.Score;

namespace Interp.AutoInterp.Tests;

public class ScoringTests
{
    [Fact]
    public void Correlation_R2_and_deviation_match_hand_computed_values()
    {
        // t = 1,2,3,4 ; p = 1,2,3,5. mean t = 2.5, mean p = 2.75.
        // cov = Σ(dt·dp) = (-1.5)(-1.75)+(-0.5)(-0.75)+(0.5)(0.25)+(1.5)(2.25) = 2.625+0.375+0.125+3.375 = 6.5
        // Σdt² = 5, Σdp² = 3.0625+0.5625+0.0625+5.0625 = 8.75 → r = 6.5/√43.75 = 0.98270762...
        // R² = 1 − mean((t−p)²)/mean(t²) = 1 − 0.25/7.5 ; deviation = 1 − mean|t−p|/mean|t| = 1 − 0.25/2.5 = 0.9
        var s = SimulationScoring.Score([[1f, 2f], [3f, 4f]], [[1f, 2f], [3f, 5f]], intercept: 0, slope: 1);
        Assert.Equal(6.5 / Math.Sqrt(43.75), s.Correlation!.Value, 12);
        Assert.Equal(1 - 0.25 / 7.5, s.RSquared!.Value, 12);
        Assert.Equal(0.9, s.AbsoluteDeviationExplained!.Value, 12);
    }

    [Fact]
    public void The_correlation_is_over_all_records_concatenated_not_a_mean_of_per_record_correlations()
    {
        // Each record alone is perfectly correlated (r = 1); concatenated, the offsets make it much lower.
        var s = SimulationScoring.Score([[0f, 1f], [10f, 11f]], [[10f, 11f], [0f, 1f]], 0, 1);
        Assert.True(s.Correlation < 0, $"{s.Correlation}");
    }

    [Fact]
    public void A_constant_prediction_or_constant_truth_is_undefined_not_NaN()
    {
        var constantPrediction = SimulationScoring.Score([[0f, 1f, 2f]], [[3f, 3f, 3f]], 0, 1);
        Assert.Null(constantPrediction.Correlation);
        Assert.NotNull(constantPrediction.RSquared);
        var deadUnit = SimulationScoring.Score([[0f, 0f, 0f]], [[0f, 5f, 0f]], 0, 1);
        Assert.Null(deadUnit.Correlation);
        Assert.Null(deadUnit.RSquared);
        Assert.Null(deadUnit.AbsoluteDeviationExplained);
        Assert.Null(SimulationScoring.Score([], [], 0, 1).Correlation);
    }

    [Fact]
    public void Calibration_fits_a_line_and_changes_R2_but_not_the_correlation()
    {
        // Truth = 0.5 + 0.2·p exactly on the calibration records.
        var line = LinearCalibration.Fit([[0.5f, 1.5f, 2.5f]], [[0f, 5f, 10f]]);
        Assert.NotNull(line);
        Assert.Equal(0.5, line.Value.Intercept, 6);
        Assert.Equal(0.2, line.Value.Slope, 6);
        Assert.Null(LinearCalibration.Fit([[1f, 2f]], [[3f, 3f]]));

        float[][] truth = [[0.5f, 1.5f, 2.5f, 0.5f]];
        float[][] predicted = [[0f, 5f, 10f, 1f]];
        var raw = SimulationScoring.Score(truth, predicted, 0, 1);
        var calibrated = SimulationScoring.Score(truth, predicted, line.Value.Intercept, line.Value.Slope);
        Assert.Equal(raw.Correlation!.Value, calibrated.Correlation!.Value, 12);
        Assert.True(calibrated.RSquared > raw.RSquared);
        Assert.True(calibrated.RSquared > 0.95);
    }

    [Fact]
    public void The_summary_labels_R2_and_deviation_explained_uncalibrated_and_the_calibrated_R2_calibrated()
    {
        var result = new Batch.UnitResult
        {
            Unit = "u/0", Status = "ok", Simulator = "pattern",
            Scores = new Batch.ResultScores(0.9, 0.5, 0.4, new Batch.CalibratedScores(0.7, 0.6, 0.1, 2), null, null),
        };

        var lines = Batch.BatchSummary.Compute([result]).Describe().ToList();

        Assert.Contains(lines, l => l.StartsWith("R² (uncalibrated): 1 scored", StringComparison.Ordinal) && l.Contains("mean 0.500", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("abs. dev. explained (uncalibrated): 1 scored", StringComparison.Ordinal) && l.Contains("mean 0.400", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("R² (calibrated): 1 scored", StringComparison.Ordinal) && l.Contains("mean 0.700", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("R²:", StringComparison.Ordinal) || l.StartsWith("abs. dev.:", StringComparison.Ordinal));
    }

    [Fact]
    public void Classification_scores_match_hand_computed_values()
    {
        // truth:   1 1 1 0 0 0 0 ; said: 1 1 0 1 0 0 0 → TP 2, FN 1, FP 1, TN 3
        bool[] truth = [true, true, true, false, false, false, false];
        bool[] said = [true, true, false, true, false, false, false];
        double?[] p = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.3];
        var s = ClassificationScores.Compute(truth, said, p);
        Assert.Equal((2, 1, 3, 1), (s.TruePositives, s.FalsePositives, s.TrueNegatives, s.FalseNegatives));
        Assert.Equal(2.0 / 3, s.Recall!.Value, 12);
        Assert.Equal(2.0 / 3, s.Precision!.Value, 12);
        Assert.Equal((2.0 / 3 + 3.0 / 4) / 2, s.BalancedAccuracy!.Value, 12);
        Assert.Equal(2.0 / 3, s.F1!.Value, 12);
        // AUC: positives 0.9, 0.8, 0.3 vs negatives 0.7, 0.2, 0.1, 0.3: wins 4 + 4 + (2 + 0.5) = 10.5 of 12.
        Assert.Equal(10.5 / 12, s.Auc!.Value, 12);
    }

    [Fact]
    public void Classification_scores_are_undefined_where_a_denominator_is_zero()
    {
        var noPositivesSaid = ClassificationScores.Compute([true, false], [false, false]);
        Assert.Null(noPositivesSaid.Precision);
        Assert.Null(noPositivesSaid.F1);
        Assert.Equal(0, noPositivesSaid.Recall);
        Assert.Equal(0.5, noPositivesSaid.BalancedAccuracy);
        Assert.Null(noPositivesSaid.Auc);
        var oneClass = ClassificationScores.Compute([true, true], [true, false], [0.9, 0.1]);
        Assert.Null(oneClass.BalancedAccuracy);
        Assert.Null(oneClass.Auc);
    }
}
