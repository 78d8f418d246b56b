using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace Interp.Web.Charts;

/// <summary>Plotly traces for the app's charts, built from plain arrays (every string escaped for Plotly).</summary>
public static class ChartTraces
{
    /// <summary>Line traces; NaN and infinite points are dropped.</summary>
    public static IList<ITrace> Lines(IEnumerable<LineSeries> series) =>
        series.Select(s =>
        {
            var points = s.X.Zip(s.Y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToArray();
            return (ITrace)new Scatter
            {
                Name = PlotlyText.Escape(s.Name),
                Mode = ModeFlag.Lines,
                X = points.Select(p => (object)p.First).ToList(),
                Y = points.Select(p => (object)p.Second).ToList(),
            };
        }).ToList();

    /// <summary>One bar trace for a histogram.</summary>
    public static IList<ITrace> Histogram(HistogramBars bars, string name = "count") =>
    [
        new Bar
        {
            Name = PlotlyText.Escape(name),
            X = bars.Centres.Select(c => (object)c).ToList(),
            Y = bars.Counts.Select(c => (object)c).ToList(),
            WidthArray = bars.Widths.Select(w => (decimal?)(decimal)w).ToList(),
        },
    ];

    /// <summary>
    /// A heatmap: <paramref name="rows"/>[r][c] at row label <paramref name="rowLabels"/>[r], column <paramref name="columnLabels"/>[c],
    /// hover text from <paramref name="hover"/> (already plain text; escaped here), or — null, for big grids where text per
    /// cell would cost too many bytes — the row, column and value.
    /// </summary>
    public static IList<ITrace> Heatmap(float[][] rows, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels,
        Func<int, int, string>? hover, string colourScale = "YlOrRd")
    {
        ArgumentNullException.ThrowIfNull(rows);
        return
        [
            new HeatMap
            {
                Z = rows.Select(r => (object)r.Select(v => float.IsFinite(v) ? (double?)v : null).ToArray()).ToList(),
                // Positions, not labels, on the axes: labels repeat (two " the" tokens) and Plotly would merge them.
                X = Enumerable.Range(0, columnLabels.Count).Select(i => (object)i).ToList(),
                Y = Enumerable.Range(0, rowLabels.Count).Select(i => (object)i).ToList(),
                Text = hover is null ? null : rows.Select((r, i) => (object)r.Select((_, j) => PlotlyText.Escape(hover(i, j))).ToArray()).ToList(),
                HoverTemplate = hover is null ? "row %{y}, column %{x}: %{z:.3f}<extra></extra>" : "%{text}<extra></extra>",
                ColorScale = colourScale,
                ReverseScale = true,                                        // Plotly's YlOrRd runs dark→light; large values dark
            },
        ];
    }
}
