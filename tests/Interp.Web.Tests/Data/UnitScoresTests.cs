using Interp.AutoInterp.Batch;
using Interp.Web.Units;

namespace Interp.Web.Tests.Data;

public sealed class UnitScoresTests
{
    [Fact]
    public void The_unit_page_names_R2_and_deviation_explained_uncalibrated_and_the_calibration_line_s_scores_calibrated()
    {
        var result = new UnitResult
        {
            Unit = "u/0", Status = "ok", Simulator = "pattern",
            Scores = new ResultScores(0.9, 0.5, 0.4, new CalibratedScores(0.7, 0.6, 0.1, 2), null, null),
        };

        var scores = UnitScores.Of(result).ToDictionary(s => s.Name, s => s.Value);

        Assert.Equal("0.900", scores["correlation"]);
        Assert.Equal("0.500", scores["uncalibrated R²"]);
        Assert.Equal("0.400", scores["uncalibrated abs. deviation explained"]);
        Assert.Equal("0.700", scores["calibrated R²"]);
        Assert.Equal("0.600", scores["calibrated deviation explained"]);
        Assert.DoesNotContain("R²", scores.Keys);
    }
}
