using Interp.Core.Records;
using Interp.Web.Charts;
using Interp.Web.Components.Shared;

namespace Interp.Web.Units;

/// <summary>The charts of a unit page, its two histograms: the page draws these, and the render benchmark measures the JSON they send.</summary>
public static class UnitPageCharts
{
    /// <summary>One histogram chart: the data and how it is titled and scaled.</summary>
    /// <param name="Histogram">The record's histogram (null or empty: a line instead of a chart).</param>
    /// <param name="Title">Chart title.</param>
    /// <param name="XTitle">x-axis title.</param>
    /// <param name="LogY">Log-scale counts.</param>
    public sealed record HistogramSpec(Histogram? Histogram, string Title, string XTitle, bool LogY);

    /// <summary>The histograms of <paramref name="record"/>'s page, in page order.</summary>
    public static IReadOnlyList<HistogramSpec> Histograms(UnitRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return
        [
            new(record.ActivationHistogram, "activations (non-zero)", "activation", LogY: true),
            new(record.LogitHistogram, "logit effect over the vocabulary", "logit", LogY: false),
        ];
    }

    /// <summary>Bytes of JSON the page's charts send once the page is interactive (the HTML carries none of it).</summary>
    public static long JsonBytes(UnitRecord record) =>
        Histograms(record).Sum(h => HistogramChart.Plot(HistogramBars.From(h.Histogram), h.Title, h.XTitle, h.LogY) is { } plot
            ? ChartPayload.Bytes(plot.Data, plot.Layout, ChartDefaults.Config())
            : 0);
}
