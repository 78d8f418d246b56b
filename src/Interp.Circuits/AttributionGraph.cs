namespace Interp.Circuits;

/// <summary>The kinds of node in an attribution graph, written in JSON as their lower-case names.</summary>
public enum GraphNodeKind
{
    /// <summary>A token's embedding at one position (the graph's inputs).</summary>
    Embedding,
    /// <summary>An active transcoder feature at (layer, position).</summary>
    Feature,
    /// <summary>A transcoder's error (MLP output minus reconstruction) at (layer, position).</summary>
    Error,
    /// <summary>An output logit at a position (the graph's targets).</summary>
    Logit,
}

/// <summary>
/// A node of an attribution graph. <see cref="Id"/> is unique in the graph and stable for the same prompt and transcoders.
/// <see cref="Feature"/> is the transcoder latent (features) or the vocabulary id (logits); null otherwise.
/// <see cref="Value"/>: a feature's activation, a logit's value (logit minus the mean logit at its position), the norm of an
/// error or embedding vector.
/// </summary>
public sealed record GraphNode(
    string Id, GraphNodeKind Kind, int Layer, int Position, int? Feature, double? Activation, string Token, double Value);

/// <summary>A direct linear effect of <see cref="Source"/> on <see cref="Target"/> (node ids), with attention and LayerNorm frozen.</summary>
public sealed record GraphEdge(string Source, string Target, double Weight);

/// <summary>A prompt's attribution graph: its nodes and the edges between them.</summary>
public sealed record AttributionGraph(IReadOnlyList<int> TokenIds, IReadOnlyList<string> Tokens,
    IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges);
