namespace Interp.Web.Benchmarks;

/// <summary>Median, 95th percentile and maximum of a set of measurements (nearest-rank percentiles).</summary>
/// <param name="P50">Median.</param>
/// <param name="P95">95th percentile.</param>
/// <param name="Max">Largest.</param>
public sealed record Spread(double P50, double P95, double Max)
{
    /// <summary>The spread of <paramref name="values"/> (all zero when there are none).</summary>
    public static Spread Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new(0, 0, 0);
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new(At(0.50), At(0.95), sorted[^1]);
    }
}
