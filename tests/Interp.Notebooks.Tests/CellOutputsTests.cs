using System.Text;
using System.Text.Json.Nodes;

namespace Interp.Notebooks.Tests;

/// <summary>Splitting a headless run's stdout into per-cell Jupyter outputs.</summary>
public sealed class CellOutputsTests
{
    private const string M = HeadlessProgram.Marker;

    [Fact]
    public void Text_and_displays_are_split_per_cell_and_an_img_with_a_png_data_uri_becomes_an_image_output()
    {
        var png = Convert.ToBase64String([0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        var img = $"<img class='' style='' src=\"data:image/png;base64,{png}\"></img>";   // ScottPlot's GetPngHtml
        var stdout =
            "build noise before the first cell\n" +
            $"{M} cell 1 100\nline one\nline two\n" +
            $"{M} cell 2 250\n" +
            $"{M} cell 3 300\nbefore\n{M} display text/html {B64(img)}\nafter, no newline" +
            $"{M} cell 4 900\n{M} display text/html {B64("<b>bold</b>")}\n{M} end 1000\n";

        var outputs = CellOutputs.Parse(stdout);

        Assert.Equal([1, 2, 3, 4], outputs.Started);
        Assert.True(outputs.Finished);
        Assert.Equal([150, 50, 600, 100], outputs.Durations().Select(d => (int)d.Duration.TotalMilliseconds));
        var one = Assert.Single(outputs.For(1));
        Assert.Equal("stream", one!["output_type"]!.GetValue<string>());
        Assert.Equal(["line one\n", "line two\n"], Lines(one["text"]));
        Assert.Empty(outputs.For(2));

        var three = outputs.For(3);
        Assert.Equal(3, three.Count);
        Assert.Equal(["before\n"], Lines(three[0]!["text"]));
        Assert.Equal("display_data", three[1]!["output_type"]!.GetValue<string>());
        Assert.Equal(png, three[1]!["data"]!["image/png"]!.GetValue<string>());
        Assert.Equal(["after, no newline"], Lines(three[2]!["text"]));

        var html = Assert.Single(outputs.For(4));
        Assert.Equal(["<b>bold</b>"], Lines(html!["data"]!["text/html"]));
        Assert.Empty(outputs.For(5));
    }

    [Fact]
    public void An_unknown_marker_is_an_error_rather_than_a_silently_lost_output()
    {
        Assert.Throws<InvalidDataException>(() => CellOutputs.Parse($"{M} cell 1 5\n{M} show image/png AAAA\n"));
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string[] Lines(JsonNode? text) => (text as JsonArray ?? []).Select(l => l!.GetValue<string>()).ToArray();
}
