using System.Globalization;
using Interp.Web.Circuits;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace Interp.Web.Charts;

/// <summary>
/// Small multiples of attention patterns: one heatmap whose tiles are the heads (columns) of the layers shown (rows),
/// each tile query × key, with a blank line between tiles. One trace keeps it light; a click maps back to its tile.
/// </summary>
/// <param name="FirstLayer">The first layer shown (the mosaic shows every layer when it fits, else one).</param>
/// <param name="LayerCount">Layers shown.</param>
/// <param name="Heads">Heads per layer.</param>
/// <param name="Tokens">Tokens per pattern side.</param>
public sealed record HeadMosaic(int FirstLayer, int LayerCount, int Heads, int Tokens)
{
    /// <summary>Most cells the mosaic of the whole model may have; above it only the selected layer is tiled.</summary>
    public const int MaxCells = 300_000;

    /// <summary>Most cells that get per-cell hover text (with the token names).</summary>
    public const int MaxHoverCells = 40_000;

    private int Tile => Tokens + 1;

    /// <summary>Every layer when they fit in <see cref="MaxCells"/>, else only <paramref name="layer"/>.</summary>
    public static HeadMosaic For(AttentionView view, int layer)
    {
        ArgumentNullException.ThrowIfNull(view);
        var (layers, heads, t) = (view.Layers.Count, view.Heads, view.Tokens.Length);
        return (long)layers * heads * t * t <= MaxCells ? new HeadMosaic(0, layers, heads, t) : new HeadMosaic(layer, 1, heads, t);
    }

    /// <summary>The (layer, head) of the tile holding mosaic cell (<paramref name="row"/>, <paramref name="column"/>); null on a gap.</summary>
    public (int Layer, int Head)? TileAt(int row, int column)
    {
        if (row < 0 || column < 0 || row % Tile == Tokens || column % Tile == Tokens) return null;
        var (layer, head) = (row / Tile, column / Tile);
        return layer < LayerCount && head < Heads ? (FirstLayer + layer, head) : null;
    }

    /// <summary>The mosaic's trace and layout.</summary>
    public (IList<ITrace> Data, Layout Layout) Plot(AttentionView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var (rows, columns) = (LayerCount * Tile - 1, Heads * Tile - 1);
        var z = new double?[rows][];
        var text = rows * columns <= MaxHoverCells ? new string[rows][] : null;
        for (var r = 0; r < rows; r++)
        {
            z[r] = new double?[columns];
            if (text is not null) text[r] = new string[columns];
            for (var c = 0; c < columns; c++)
            {
                if (TileAt(r, c) is not { } tile) continue;
                var (layer, head) = tile;
                var (q, k) = (r % Tile, c % Tile);
                if (k > q) continue;                                    // masked: the query cannot see later keys
                var w = view.Layers[layer].Patterns[head][q][k];
                z[r][c] = w;
                if (text is not null)
                    text[r][c] = PlotlyText.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"L{layer} H{head} · query {q} {TokenText.Quote(view.Tokens[q])} → key {k} {TokenText.Quote(view.Tokens[k])}: {w:0.###}"));
            }
        }
        var heatmap = new HeatMap
        {
            Z = z.Select(r => (object)r).ToList(),
            Text = text?.Select(r => (object)r).ToList(),
            HoverTemplate = text is null ? "%{z:.3f}<extra></extra>" : "%{text}<extra></extra>",
            ColorScale = "YlOrRd",
            ReverseScale = true,
            ZMin = 0,
            ZMax = 1,
            ShowScale = false,
        };
        var centre = (Tokens - 1) / 2.0;
        var tilePixels = Math.Clamp(1000 / Math.Max(1, Heads), 40, 160);     // square tiles
        var layout = new Layout
        {
            Width = 50 + tilePixels * Heads,
            Height = 60 + tilePixels * LayerCount,
            Margin = new Plotly.Blazor.LayoutLib.Margin { L = 40, R = 10, T = 50, B = 10 },   // head labels below the mode bar
            XAxis = [new Plotly.Blazor.LayoutLib.XAxis
            {
                Side = Plotly.Blazor.LayoutLib.XAxisLib.SideEnum.Top,
                TickVals = Enumerable.Range(0, Heads).Select(h => (object)(h * Tile + centre)).ToList(),
                TickText = Enumerable.Range(0, Heads).Select(h => (object)$"H{h}").ToList(),
                ShowGrid = false,
                ZeroLine = false,
            }],
            YAxis = [new Plotly.Blazor.LayoutLib.YAxis
            {
                AutoRange = Plotly.Blazor.LayoutLib.YAxisLib.AutoRangeEnum.Reversed,
                TickVals = Enumerable.Range(0, LayerCount).Select(l => (object)(l * Tile + centre)).ToList(),
                TickText = Enumerable.Range(0, LayerCount).Select(l => (object)$"L{FirstLayer + l}").ToList(),
                ShowGrid = false,
                ZeroLine = false,
            }],
        };
        return ([heatmap], layout);
    }
}
