using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>Initialisation statistics of a sample of activations.</summary>
public static class SaeInit
{
    /// <summary>
    /// The geometric median of the rows of <paramref name="points"/> [N, d] (the point minimising the sum of Euclidean
    /// distances) by Weiszfeld's iterations from the mean: y ← Σ wᵢxᵢ / Σ wᵢ with wᵢ = 1 / max(‖xᵢ − y‖, ε).
    /// Computed in float64; returns a new float32 [d] tensor on the points' device.
    /// </summary>
    public static Tensor GeometricMedian(Tensor points, int iterations = 20, double epsilon = 1e-8)
    {
        if (points.dim() != 2) throw new ArgumentException($"points must be [N, d], got [{string.Join(", ", points.shape)}]", nameof(points));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = points.detach().to_type(ScalarType.Float64);
        var y = x.mean([0]);
        for (var i = 0; i < iterations; i++)
        {
            // Each iteration's [N, d] temporaries go at its end: kept to the end of the call, 20 of them took gigabytes.
            using var step = NewDisposeScope();
            var weights = 1.0 / (x - y).norm(1).clamp_min(epsilon);                  // [N]
            y = ((weights.unsqueeze(1) * x).sum(0) / weights.sum()).MoveToOuterDisposeScope();
        }
        return y.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// SAELens's input scale over the rows of <paramref name="rows"/> (row-major, width <paramref name="d"/>):
    /// s = √d / mean ‖x‖ (sae_lens/training/activation_scaler.py, <c>ActivationScaler.estimate_scaling_factor</c>), so
    /// scaled rows have mean norm √d. NaN when the rows are empty, all zero or not finite.
    /// </summary>
    public static double ScalingFactor(ReadOnlySpan<float> rows, int d)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        var count = rows.Length / d;
        if (count == 0) return double.NaN;
        double sumOfNorms = 0;
        for (var r = 0; r < count; r++)
        {
            double squares = 0;
            foreach (var v in rows.Slice(r * d, d)) squares += (double)v * v;
            sumOfNorms += Math.Sqrt(squares);
        }
        var meanNorm = sumOfNorms / count;
        return meanNorm > 0 && double.IsFinite(meanNorm) ? Math.Sqrt(d) / meanNorm : double.NaN;
    }
}
