using Interp.Circuits;

namespace Interp.Web.Graph;

/// <summary>A node as graph.js draws it (sent through JS interop as data, camelCase).</summary>
public sealed record GraphNodeView(string Id, string Kind, int Layer, int Position, int? Feature, double? Activation, double Value, string Token,
    string? Explanation, IReadOnlyList<string> Top, string? Url);

/// <summary>An edge as graph.js draws it: indexes into the node list and the weight.</summary>
public sealed record GraphEdgeView(int S, int T, double W);

/// <summary>What graph.js draws: the column labels, the number of layer rows, the nodes and the edges.</summary>
public sealed record GraphPayload(IReadOnlyList<string> Tokens, int Layers, IReadOnlyList<GraphNodeView> Nodes, IReadOnlyList<GraphEdgeView> Edges)
{
    /// <summary>The payload of <paramref name="graph"/> with each feature's <paramref name="notes"/> (explanation, top activations, unit page).</summary>
    public static GraphPayload Of(AttributionGraph graph, int layers, IReadOnlyDictionary<(int Layer, int Feature), GraphNote> notes)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(notes);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodes = new List<GraphNodeView>(graph.Nodes.Count);
        foreach (var n in graph.Nodes)
        {
            index[n.Id] = nodes.Count;
            var note = n is { Kind: GraphNodeKind.Feature, Feature: { } f } ? notes.GetValueOrDefault((n.Layer, f)) : null;
            nodes.Add(new GraphNodeView(n.Id, n.Kind.ToString().ToLowerInvariant(), n.Layer, n.Position, n.Feature, n.Activation, n.Value, n.Token,
                note?.Explanation, note?.Top ?? [], note?.Url));
        }
        // An edge whose end was pruned away is not drawn (there is nothing to attach it to).
        var edges = graph.Edges.Where(e => index.ContainsKey(e.Source) && index.ContainsKey(e.Target))
            .Select(e => new GraphEdgeView(index[e.Source], index[e.Target], e.Weight)).ToArray();
        return new GraphPayload(graph.Tokens, layers, nodes, edges);
    }
}
