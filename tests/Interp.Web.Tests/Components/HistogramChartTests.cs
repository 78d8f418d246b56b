using Bunit;
using Interp.Core.Records;
using Interp.Web.Charts;
using Interp.Web.Components.Shared;
using Plotly.Blazor;
using Bar = Plotly.Blazor.Traces.Bar;
using Histogram = Interp.Core.Records.Histogram;

namespace Interp.Web.Tests.Components;

public sealed class HistogramChartTests : BunitContext
{
    public HistogramChartTests() => JSInterop.Mode = JSRuntimeMode.Loose;

    [Fact]
    public void Bars_sit_at_bin_centres_with_bin_widths_and_the_counts()
    {
        var histogram = new Histogram([0.0, 1.0, 3.0, 4.0], [5, 0, 2]);
        var cut = Render<HistogramChart>(p => p.Add(c => c.Histogram, histogram).Add(c => c.Title, "activations"));

        var bar = Assert.IsType<Bar>(Assert.Single(cut.FindComponent<PlotlyChart>().Instance.Data));
        Assert.Equal([0.5, 2.0, 3.5], bar.X.Cast<double>());
        Assert.Equal([5L, 0L, 2L], bar.Y.Cast<long>());
        Assert.Equal([1m, 2m, 1m], bar.WidthArray.Select(w => w!.Value));
        Assert.Equal(7, cut.Instance.Bars.Total);
    }

    [Fact]
    public void A_missing_or_malformed_histogram_shows_a_line_instead_of_a_chart()
    {
        var missing = Render<HistogramChart>(p => p.Add(c => c.Histogram, null));
        var malformed = Render<HistogramChart>(p => p.Add(c => c.Histogram, new Histogram([0.0, 1.0], [1, 2])));

        Assert.Empty(missing.FindComponents<PlotlyChart>());
        Assert.Contains("No histogram", missing.Markup, StringComparison.Ordinal);
        Assert.Empty(malformed.FindComponents<PlotlyChart>());
    }

    [Fact]
    public void Chart_titles_are_escaped_for_plotly()
    {
        var cut = Render<HistogramChart>(p => p.Add(c => c.Histogram, new Histogram([0.0, 1.0], [1])).Add(c => c.Title, "<a href=x>t</a>"));

        Assert.Equal("&lt;a href=x&gt;t&lt;/a&gt;", cut.FindComponent<PlotlyChart>().Instance.Layout.Title.Text);
    }

    [Fact]
    public void HistogramBars_of_a_histogram_without_bins_is_empty()
    {
        Assert.Empty(HistogramBars.From(new Histogram([0.0], [])).Counts);
    }
}
