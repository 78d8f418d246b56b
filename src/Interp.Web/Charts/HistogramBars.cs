using Interp.Core.Records;

namespace Interp.Web.Charts;

/// <summary>A histogram as bars: centre, width and count of each bin.</summary>
/// <param name="Centres">Bin centres.</param>
/// <param name="Widths">Bin widths.</param>
/// <param name="Counts">Counts.</param>
public sealed record HistogramBars(double[] Centres, double[] Widths, long[] Counts)
{
    /// <summary>The bars of <paramref name="histogram"/> (<c>Edges.Length == Counts.Length + 1</c>; anything else gives no bars).</summary>
    public static HistogramBars From(Histogram? histogram)
    {
        if (histogram is null || histogram.Counts.Length == 0 || histogram.Edges.Length != histogram.Counts.Length + 1) return new([], [], []);
        var n = histogram.Counts.Length;
        var centres = new double[n];
        var widths = new double[n];
        for (var i = 0; i < n; i++)
        {
            centres[i] = (histogram.Edges[i] + histogram.Edges[i + 1]) / 2;
            widths[i] = histogram.Edges[i + 1] - histogram.Edges[i];
        }
        return new(centres, widths, (long[])histogram.Counts.Clone());
    }

    /// <summary>Sum of the counts.</summary>
    public long Total => Counts.Sum();
}
