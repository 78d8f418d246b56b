using System.Globalization;
using Interp.Core;
using Interp.Core.Records;
using Interp.Web.Units;

namespace Interp.Web.Graph;

/// <summary>What the graph page shows on hovering a feature: its explanation, a few top activations, and its unit page.</summary>
/// <param name="Explanation">The autointerp explanation of <c>transcoder:L/feature</c>, when there is one.</param>
/// <param name="Top">The strongest record windows, each cut around its peak with the peak token in brackets.</param>
/// <param name="Url">The feature's unit page, when its records are in the run.</param>
public sealed record GraphNote(string? Explanation, IReadOnlyList<string> Top, string? Url);

/// <summary>The notes of a graph's features, from the run's transcoder-latent records and autointerp results.</summary>
public static class GraphNotes
{
    /// <summary>Features whose top activations are read (each is one record read); the rest get explanations and links only.</summary>
    public const int MaxRecordReads = 300;

    private const int WindowsShown = 3;

    /// <summary>The notes of <paramref name="graph"/>'s feature nodes in <paramref name="run"/>, keyed by (layer, feature).</summary>
    public static IReadOnlyDictionary<(int Layer, int Feature), GraphNote> For(IUnitPageSource units, string run, Interp.Circuits.AttributionGraph graph)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(graph);
        var notes = new Dictionary<(int, int), GraphNote>();
        var reads = 0;
        // Strongest features first, so the record reads go to the ones most worth hovering.
        var features = graph.Nodes.Where(n => n.Kind == Interp.Circuits.GraphNodeKind.Feature && n.Feature is not null)
            .OrderByDescending(n => Math.Abs(n.Activation ?? n.Value)).Select(n => (n.Layer, Feature: n.Feature!.Value)).Distinct();
        var rowsByLayer = new Dictionary<int, (UnitSourceRef Source, Dictionary<int, UnitRow> Rows)?>();
        foreach (var (layer, feature) in features)
        {
            if (!rowsByLayer.TryGetValue(layer, out var known)) rowsByLayer[layer] = known = RowsOf(units, run, layer);
            if (known is not { } source || !source.Rows.TryGetValue(feature, out var row))
            {
                notes[(layer, feature)] = new GraphNote(null, [], null);
                continue;
            }
            IReadOnlyList<string> top = [];
            if (reads++ < MaxRecordReads)
            {
                try { top = units.Find(run, new UnitId(source.Source.Source, feature))?.Record.Top.Take(WindowsShown).Select(Snippet).ToArray() ?? []; }
                catch (InterpException) { }                                    // a damaged record: the unit page says so
            }
            var explanation = row.Explained ? row.Explanation : null;
            notes[(layer, feature)] = new GraphNote(explanation, top, UnitUrls.Unit(run, source.Source.Source, feature));
        }
        return notes;
    }

    /// <summary>The unit source of layer <paramref name="layer"/>'s transcoder latents (<c>transcoder:L</c>).</summary>
    public static string SourceOf(int layer) => UnitSource.TranscoderLatents(layer).ToString();

    private static (UnitSourceRef, Dictionary<int, UnitRow>)? RowsOf(IUnitPageSource units, string run, int layer)
    {
        if (units.FindSource(run, SourceOf(layer)) is not { } source) return null;
        try { return (source, units.Rows(source).ToDictionary(r => r.Index)); }
        catch (InterpException) { return null; }
    }

    /// <summary>A window cut to a few tokens before its peak and two after, the peak in brackets, then the peak's value.</summary>
    internal static string Snippet(ActivationRecord window)
    {
        var peak = Math.Max(0, window.ArgMax);
        var from = Math.Max(0, peak - 8);
        var to = Math.Min(window.Tokens.Length, peak + 3);
        var text = string.Concat(window.Tokens[from..to].Select((t, i) => from + i == peak ? $"[{t}]" : t)).ReplaceLineEndings("⏎");
        return $"{(from > 0 ? "…" : "")}{text}{(to < window.Tokens.Length ? "…" : "")}  ({window.Max.ToString("0.##", CultureInfo.InvariantCulture)})";
    }
}
