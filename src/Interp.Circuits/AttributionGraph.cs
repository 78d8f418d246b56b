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
    /// <summary>
    /// The constant terms of a block at a position (attention's b_V and b_O, ln1's and ln2's β, the transcoder's b_dec —
    /// and ln2's β through W_skip), or, at layer n_layer, of the output (ln_final's β, b_U): no input changes them,
    /// yet they are part of every node's input, so the graph is complete only with them.
    /// </summary>
    Bias,
}

/// <summary>
/// A node of an attribution graph. <see cref="Id"/> is unique in the graph and stable for the same prompt and transcoders.
/// <see cref="Feature"/> is the transcoder latent (features) or the vocabulary id (logits); null otherwise.
/// <see cref="Value"/>: a feature's activation, a logit's value (logit minus the mean logit at its position), the norm of an
/// error, embedding (token + position) or bias vector. <see cref="Layer"/>: the block for features, errors and biases,
/// −1 for embeddings, n_layer for logits and the output's bias. <see cref="Probability"/>: a logit's softmax probability
/// (the weight pruning gives it); null otherwise.
/// </summary>
public sealed record GraphNode(
    string Id, GraphNodeKind Kind, int Layer, int Position, int? Feature, double? Activation, string Token, double Value,
    double? Probability = null);

/// <summary>A direct linear effect of <see cref="Source"/> on <see cref="Target"/> (node ids), with attention and LayerNorm frozen.</summary>
public sealed record GraphEdge(string Source, string Target, double Weight);

/// <summary>A prompt's attribution graph: its nodes and the edges between them.</summary>
public sealed record AttributionGraph(IReadOnlyList<int> TokenIds, IReadOnlyList<string> Tokens,
    IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges);
