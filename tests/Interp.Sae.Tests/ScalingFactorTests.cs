namespace Interp.Sae.Tests;

public sealed class ScalingFactorTests
{
    [Fact]
    public void The_input_scale_is_saelens_root_d_in_over_the_mean_norm_by_hand()
    {
        // Rows of norm 5 and 10 in d = 2: SAELens's √d / mean ‖x‖ = √2 / 7.5; √(d / mean ‖x‖²) would be √(2 / 62.5).
        float[] rows = [3, 4, 6, 8];
        Assert.Equal(Math.Sqrt(2) / 7.5, SaeInit.ScalingFactor(rows, 2), 12);
    }

    [Fact]
    public void The_input_scale_ignores_a_trailing_partial_row_and_is_nan_for_zero_rows()
    {
        float[] rows = [0, 3, 4, 0, 99];
        Assert.Equal(Math.Sqrt(2) / 3.5, SaeInit.ScalingFactor(rows, 2), 12);
        Assert.True(double.IsNaN(SaeInit.ScalingFactor(new float[4], 2)));
        Assert.True(double.IsNaN(SaeInit.ScalingFactor([], 2)));
    }
}
