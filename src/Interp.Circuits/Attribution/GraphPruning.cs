using Interp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// Pruning by influence on the logits, as circuit-tracer's <c>prune_graph</c> does (after Ameisen et al. 2025): with A
/// the adjacency's absolute values, each row normalised to sum 1, and w the logits' probabilities, a node's influence
/// is w·(A + A² + …) = w·((I − A)⁻¹ − I); nodes are kept, most influential first, until they hold
/// <c>nodeThreshold</c> of the total influence, and edges of the graph on those nodes until they hold
/// <c>edgeThreshold</c> of the total edge influence (an edge's score: its normalised weight × its target's influence,
/// the logits counting their own weight). Embeddings and logits are always kept; a feature, error or bias node left
/// without an outgoing edge (or a feature without an incoming one) is dropped, repeatedly, as in the reference.
/// </summary>
public static class GraphPruning
{
    /// <summary>The pruned <paramref name="graph"/>; its logit nodes' <see cref="GraphNode.Probability"/> weigh the logits.</summary>
    public static AttributionGraph Prune(AttributionGraph graph, double nodeThreshold = 0.8, double edgeThreshold = 0.98)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = NewDisposeScope();
        var index = graph.Nodes.Select((n, i) => (n.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var count = graph.Nodes.Count;
        var adjacency = zeros(count, count, dtype: ScalarType.Float32);
        var (targets, sources) = (new long[graph.Edges.Count], new long[graph.Edges.Count]);
        var weights = new float[graph.Edges.Count];
        for (var e = 0; e < graph.Edges.Count; e++)
        {
            var edge = graph.Edges[e];
            (targets[e], sources[e], weights[e]) = (Node(edge.Target), Node(edge.Source), (float)edge.Weight);
        }
        adjacency.index_put_(tensor(weights), tensor(targets), tensor(sources));
        return Prune(graph, adjacency, nodeThreshold, edgeThreshold);

        long Node(string id) => index.TryGetValue(id, out var i) ? i : throw new InterpException($"edge names node '{id}', which is not in the graph");
    }

    /// <summary>Prunes <paramref name="graph"/>, whose dense adjacency (row = target, column = source) is <paramref name="adjacency"/>.</summary>
    internal static AttributionGraph Prune(AttributionGraph graph, Tensor adjacency, double nodeThreshold, double edgeThreshold)
    {
        if (!(nodeThreshold is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(nodeThreshold), nodeThreshold, "must be between 0 and 1");
        if (!(edgeThreshold is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(edgeThreshold), edgeThreshold, "must be between 0 and 1");
        using var scope = NewDisposeScope();
        var nodes = graph.Nodes;
        var device = adjacency.device;
        var kinds = nodes.Select(n => n.Kind).ToArray();
        var logitWeights = tensor(nodes.Select(n => n.Kind == GraphNodeKind.Logit ? n.Probability ?? 0 : 0).Select(p => (float)p).ToArray(), device: device);
        var alwaysKept = Mask(kinds, k => k is GraphNodeKind.Embedding or GraphNodeKind.Logit, device);
        var needsOutgoing = alwaysKept.logical_not();
        var needsIncoming = Mask(kinds, k => k == GraphNodeKind.Feature, device);

        var nodeInfluence = Influence(Normalize(adjacency), logitWeights);
        var nodeMask = nodeInfluence.ge(Threshold(nodeInfluence, nodeThreshold)).logical_or(alwaysKept);
        var kept = nodeMask.to_type(adjacency.dtype);
        var pruned = adjacency * kept.unsqueeze(1) * kept.unsqueeze(0);

        var normalized = Normalize(pruned);
        var edgeScores = normalized * (Influence(normalized, logitWeights) + logitWeights).unsqueeze(1);
        var edgeMask = edgeScores.ge(Threshold(edgeScores.flatten(), edgeThreshold)).logical_and(edgeScores.gt(0));
        // Drop nodes left without outgoing (or, for features, incoming) edges, until nothing changes: at most depth + 1 rounds.
        for (var round = 0; round <= nodes.Count; round++)
        {
            var before = nodeMask.clone();
            var keep = nodeMask.unsqueeze(1).logical_and(nodeMask.unsqueeze(0));
            edgeMask = edgeMask.logical_and(keep);
            var hasOutgoing = edgeMask.any(0);
            var hasIncoming = edgeMask.any(1);
            nodeMask = nodeMask.logical_and(needsOutgoing.logical_not().logical_or(hasOutgoing))
                .logical_and(needsIncoming.logical_not().logical_or(hasIncoming));
            if (nodeMask.eq(before).all().item<bool>()) break;
        }
        edgeMask = edgeMask.logical_and(nodeMask.unsqueeze(1).logical_and(nodeMask.unsqueeze(0)));

        var keptNodes = nodeMask.cpu().data<bool>().ToArray();
        return AttributionGraphBuilder.Graph(graph.TokenIds, [.. nodes.Where((_, i) => keptNodes[i])], AttributionGraphBuilder.Edges(nodes, adjacency, edgeMask));
    }

    /// <summary>|A| with each row scaled to sum 1 (rows of zeros stay zero).</summary>
    private static Tensor Normalize(Tensor matrix)
    {
        var magnitude = matrix.abs();
        return magnitude / magnitude.sum(1, keepdim: true).clamp_min(1e-10);
    }

    /// <summary>w·A + w·A² + …: the series ends because the graph has no cycles (A is nilpotent).</summary>
    private static Tensor Influence(Tensor normalized, Tensor logitWeights)
    {
        var current = logitWeights.matmul(normalized);
        var total = current.clone();
        for (var i = 0; i < normalized.shape[0] && current.any().item<bool>(); i++)
        {
            current = current.matmul(normalized);
            total.add_(current);
        }
        return total;
    }

    /// <summary>The score at which the highest scores first hold <paramref name="fraction"/> of the total (circuit-tracer's <c>find_threshold</c>).</summary>
    private static Tensor Threshold(Tensor scores, double fraction)
    {
        var sorted = scores.sort(descending: true).Values;
        var total = sorted.sum();
        if (total.item<float>() <= 0) return sorted[0];
        var cumulative = sorted.cumsum(0) / total;
        var at = searchsorted(cumulative, tensor((float)fraction, device: scores.device)).item<long>();
        return sorted[Math.Min(at, sorted.shape[0] - 1)];
    }

    private static Tensor Mask(GraphNodeKind[] kinds, Func<GraphNodeKind, bool> predicate, Device device) =>
        tensor(kinds.Select(predicate).ToArray(), device: device);
}
