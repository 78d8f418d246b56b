using System.Globalization;
using Interp.Web.Circuits;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace Interp.Web.Charts;

/// <summary>The circuit pages' charts as Plotly traces and layouts; every model string goes in as data, escaped for Plotly.</summary>
public static class CircuitCharts
{
    /// <summary>Colour of positive values (bars and the top of the diverging scale).</summary>
    public const string Positive = "#b2182b";

    /// <summary>Colour of negative values.</summary>
    public const string Negative = "#2166ac";

    // Blue below 0, white at 0, red above: read the same way on the patching heatmap and the DLA bars.
    private static readonly object[] Diverging = [new object[] { 0, Negative }, new object[] { 0.5, "#f7f7f7" }, new object[] { 1, Positive }];

    /// <summary>
    /// The logit lens: residual-stream point (row) × position (column), coloured by the top token's probability, the
    /// top token written in each cell and the top k in the hover.
    /// </summary>
    public static (IList<ITrace> Data, Layout Layout) Lens(LensView lens)
    {
        ArgumentNullException.ThrowIfNull(lens);
        var rows = lens.Hooks.Select(HookLabel).ToArray();
        var heatmap = new HeatMap
        {
            Z = lens.Probabilities.Select(row => (object)row.Select(p => (double?)p[0]).ToArray()).ToList(),
            X = Enumerable.Range(0, lens.Tokens.Length).Select(i => (object)i).ToList(),
            Y = Enumerable.Range(0, rows.Length).Select(i => (object)i).ToList(),
            Text = lens.TopTokens.Select(row => (object)row.Select(p => PlotlyText.Escape(TokenColours.Display(p[0]))).ToArray()).ToList(),
            TextTemplate = "%{text}",
            HoverText = lens.TopTokens.Select((row, l) => (object)row.Select((_, p) => LensHover(lens, l, p)).ToArray()).ToList(),
            HoverTemplate = "%{hovertext}<extra></extra>",
            ColorScale = "Blues",
            ReverseScale = true,                                        // Plotly's Blues runs dark→light; likely tokens dark
            ZMin = 0,
            ZMax = 1,
        };
        var layout = ChartDefaults.HeatmapLayout("probability of the top token", "position (token)", "residual stream", rows, lens.Tokens,
            HeatmapHeight(rows.Length));
        return ([heatmap], layout);
    }

    /// <summary>
    /// A heatmap of signed values on a diverging scale centred on 0 (<paramref name="values"/>[row][column]), with
    /// <paramref name="hover"/> (plain text) per cell.
    /// </summary>
    public static (IList<ITrace> Data, Layout Layout) Diverging2D(double[][] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels,
        string title, string xTitle, string yTitle, Func<int, int, string> hover)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(hover);
        var heatmap = new HeatMap
        {
            Z = values.Select(row => (object)row.Select(v => double.IsFinite(v) ? (double?)v : null).ToArray()).ToList(),
            X = Enumerable.Range(0, columnLabels.Count).Select(i => (object)i).ToList(),
            Y = Enumerable.Range(0, rowLabels.Count).Select(i => (object)i).ToList(),
            Text = values.Select((row, r) => (object)row.Select((_, c) => PlotlyText.Escape(hover(r, c))).ToArray()).ToList(),
            HoverTemplate = "%{text}<extra></extra>",
            ColorScale = Diverging,
            ZMid = 0,
        };
        return ([heatmap], ChartDefaults.HeatmapLayout(title, xTitle, yTitle, rowLabels, columnLabels, HeatmapHeight(rowLabels.Count)));
    }

    /// <summary>One bar per named value, red when positive and blue when negative, in the order given.</summary>
    public static (IList<ITrace> Data, Layout Layout) SignedBars(IReadOnlyList<string> names, IReadOnlyList<double> values, string title, string yTitle)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        var bar = new Bar
        {
            // Positions on the axis, names as tick text: two components may share a label once shortened.
            X = names.Select(n => (object)PlotlyText.Escape(n)).ToList(),
            Y = values.Select(v => (object)v).ToList(),
            Marker = new Plotly.Blazor.Traces.BarLib.Marker { ColorArray = values.Select(v => (object)(v >= 0 ? Positive : Negative)).ToList() },
            HoverTemplate = "%{x}: %{y:.4f}<extra></extra>",
        };
        var layout = ChartDefaults.Layout(title, "", yTitle, height: 460);
        layout.Margin.B = 130;                                          // room for the slanted component names
        return ([bar], layout);
    }

    /// <summary>A hook name shortened for a row label: <c>blocks.3.hook_resid_pre</c> → <c>3 resid_pre</c>.</summary>
    public static string HookLabel(string hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return hook.Replace("blocks.", "", StringComparison.Ordinal).Replace(".hook_", " ", StringComparison.Ordinal).Replace("hook_", "", StringComparison.Ordinal);
    }

    /// <summary>A height that gives each heatmap row some room.</summary>
    public static int HeatmapHeight(int rows) => Math.Clamp(140 + 34 * rows, 300, 1600);

    private static string LensHover(LensView lens, int layer, int position)
    {
        var lines = lens.TopTokens[layer][position].Select((t, k) =>
            string.Create(CultureInfo.InvariantCulture, $"{k + 1}. {TokenText.Quote(t)}  {lens.Probabilities[layer][position][k]:0.###}"));
        var head = $"{lens.Hooks[layer]} · position {position} {TokenText.Quote(lens.Tokens[position])}";
        return string.Join("<br>", new[] { head }.Concat(lines).Select(PlotlyText.Escape));
    }
}
