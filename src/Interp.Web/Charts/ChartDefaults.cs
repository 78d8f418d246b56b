using System.Globalization;
using System.Text.Json;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;

namespace Interp.Web.Charts;

/// <summary>The app's chart look: compact margins, responsive, no Plotly logo; axis titles and ticks escaped for Plotly.</summary>
public static class ChartDefaults
{
    /// <summary>Largest number of tick labels a heatmap axis shows one by one.</summary>
    public const int MaxLabelledTicks = 80;

    /// <summary>Chart configuration.</summary>
    public static Config Config() => new() { Responsive = true, DisplayLogo = false };

    /// <summary>A layout for line and bar charts.</summary>
    public static Layout Layout(string title, string xTitle, string yTitle, int height, bool logY = false, bool legend = false) => new()
    {
        Title = new Title { Text = PlotlyText.Escape(title), Font = new Plotly.Blazor.LayoutLib.TitleLib.Font { Size = 13 } },
        Height = height,
        Margin = new Margin { L = 55, R = 15, T = string.IsNullOrEmpty(title) ? 15 : 35, B = 40 },
        ShowLegend = legend,
        XAxis = [new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = PlotlyText.Escape(xTitle) } }],
        YAxis = [new YAxis
        {
            Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = PlotlyText.Escape(yTitle) },
            Type = logY ? Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log : null,
        }],
    };

    /// <summary>
    /// A heatmap layout: rows top to bottom, tick labels from <paramref name="rowLabels"/> and <paramref name="columnLabels"/>
    /// at positions 0, 1, … (thinned when there are more than <see cref="MaxLabelledTicks"/>).
    /// </summary>
    public static Layout HeatmapLayout(string title, string xTitle, string yTitle, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels,
        int height, bool labelEveryRow = true, bool labelEveryColumn = true) => new()
    {
        Title = new Title { Text = PlotlyText.Escape(title), Font = new Plotly.Blazor.LayoutLib.TitleLib.Font { Size = 13 } },
        Height = height,
        Margin = new Margin { L = 140, R = 20, T = string.IsNullOrEmpty(title) ? 15 : 35, B = 70 },
        XAxis = [new XAxis
        {
            Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = PlotlyText.Escape(xTitle) },
            TickVals = Ticks(columnLabels.Count, labelEveryColumn).Select(i => (object)i).ToList(),
            TickText = Ticks(columnLabels.Count, labelEveryColumn).Select(i => (object)PlotlyText.Escape(columnLabels[i])).ToList(),
        }],
        YAxis = [new YAxis
        {
            Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = PlotlyText.Escape(yTitle) },
            AutoRange = Plotly.Blazor.LayoutLib.YAxisLib.AutoRangeEnum.Reversed,
            TickVals = Ticks(rowLabels.Count, labelEveryRow).Select(i => (object)i).ToList(),
            TickText = Ticks(rowLabels.Count, labelEveryRow).Select(i => (object)PlotlyText.Escape(Shorten(rowLabels[i]))).ToList(),
        }],
    };

    /// <summary>A click's x or y as an integer position (Plotly sends numbers; Blazor may hand them over as JSON).</summary>
    public static int? AsInt(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Number } e => (int)Math.Round(e.GetDouble()),
        JsonElement { ValueKind: JsonValueKind.String } e when double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (int)Math.Round(d),
        IConvertible c => (int)Math.Round(c.ToDouble(CultureInfo.InvariantCulture)),
        _ => null,
    };

    private static IEnumerable<int> Ticks(int count, bool every)
    {
        var step = every ? Math.Max(1, (int)Math.Ceiling(count / (double)MaxLabelledTicks)) : Math.Max(1, count / 10);
        for (var i = 0; i < count; i += step) yield return i;
    }

    private static string Shorten(string label) => label.Length <= 24 ? TokenColours.Display(label) : TokenColours.Display(label[..23]) + "…";
}
