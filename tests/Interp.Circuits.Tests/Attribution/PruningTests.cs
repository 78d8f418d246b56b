using Interp.Circuits.Attribution;

namespace Interp.Circuits.Tests.Attribution;

/// <summary>Pruning by influence on the logits: the logits and embeddings stay, most edges go, what stays is unchanged.</summary>
public sealed class PruningTests
{
    [Fact]
    public void Pruning_keeps_every_logit_and_embedding_and_a_subset_of_the_edges_with_their_weights()
    {
        using var model = AttributionFixture.Model();
        var ids = AttributionFixture.Prompt(model);
        var transcoders = AttributionFixture.Transcoders(model, skip: false);
        var complete = AttributionGraphBuilder.Build(model, transcoders, ids, new AttributionOptions(Prune: false));
        var pruned = AttributionGraphBuilder.Build(model, transcoders, ids, new AttributionOptions());

        Assert.Equal(Ids(complete, GraphNodeKind.Logit), Ids(pruned, GraphNodeKind.Logit));
        Assert.Equal(Ids(complete, GraphNodeKind.Embedding), Ids(pruned, GraphNodeKind.Embedding));
        Assert.True(pruned.Edges.Count < complete.Edges.Count / 2, $"{pruned.Edges.Count} of {complete.Edges.Count} edges kept");
        Assert.True(pruned.Nodes.Count < complete.Nodes.Count, $"{pruned.Nodes.Count} of {complete.Nodes.Count} nodes kept");
        Assert.Contains(pruned.Edges, e => e.Target.StartsWith("logit:", StringComparison.Ordinal));

        var weights = complete.Edges.ToDictionary(e => (e.Source, e.Target), e => e.Weight);
        var kept = pruned.Nodes.Select(n => n.Id).ToHashSet();
        foreach (var edge in pruned.Edges)
        {
            Assert.Equal(weights[(edge.Source, edge.Target)], edge.Weight);
            Assert.Contains(edge.Source, kept);
            Assert.Contains(edge.Target, kept);
        }
        // Every kept feature, error and bias node still reaches something.
        var sources = pruned.Edges.Select(e => e.Source).ToHashSet();
        Assert.All(pruned.Nodes.Where(n => n.Kind is GraphNodeKind.Feature or GraphNodeKind.Error or GraphNodeKind.Bias),
            n => Assert.Contains(n.Id, sources));
    }

    [Fact]
    public void Pruning_a_complete_graph_afterwards_gives_the_graph_the_builder_prunes()
    {
        using var model = AttributionFixture.Model();
        var ids = AttributionFixture.Prompt(model);
        var transcoders = AttributionFixture.Transcoders(model, skip: true);
        var complete = AttributionGraphBuilder.Build(model, transcoders, ids, new AttributionOptions(Prune: false));
        var options = new AttributionOptions(NodeThreshold: 0.6, EdgeThreshold: 0.9);
        var built = AttributionGraphBuilder.Build(model, transcoders, ids, options);
        var later = GraphPruning.Prune(complete, options.NodeThreshold, options.EdgeThreshold);

        Assert.Equal(built.Nodes, later.Nodes);
        Assert.Equal(built.Edges, later.Edges);
    }

    [Fact]
    public void Lower_thresholds_keep_fewer_nodes_and_edges()
    {
        using var model = AttributionFixture.Model();
        var ids = AttributionFixture.Prompt(model);
        var complete = AttributionGraphBuilder.Build(model, AttributionFixture.Transcoders(model, skip: false), ids, new AttributionOptions(Prune: false));
        var loose = GraphPruning.Prune(complete, 0.9, 0.99);
        var tight = GraphPruning.Prune(complete, 0.5, 0.8);
        Assert.True(tight.Nodes.Count < loose.Nodes.Count, $"{tight.Nodes.Count} nodes at 0.5, {loose.Nodes.Count} at 0.9");
        Assert.True(tight.Edges.Count < loose.Edges.Count, $"{tight.Edges.Count} edges at 0.8, {loose.Edges.Count} at 0.99");
    }

    private static string[] Ids(AttributionGraph graph, GraphNodeKind kind) =>
        [.. graph.Nodes.Where(n => n.Kind == kind).Select(n => n.Id)];

    [Fact]
    public void On_a_small_graph_pruning_keeps_what_circuit_tracers_influence_thresholds_keep()
    {
        // emb0 → strong (1.0) → logit (10); emb1 → weak (1.0) → logit (0.1); emb0 → logit (0.5). Worked by hand with
        // circuit-tracer's formulas: node influences emb0 0.99, strong 0.943, emb1 and weak 0.0094 each; at 0.8 the
        // threshold is strong's score, so weak goes. Edge scores then: strong → logit 0.952, emb0 → strong 0.952,
        // emb0 → logit 0.048: at 0.98 all three stay, at 0.9 the direct emb0 → logit goes.
        GraphNode Node(string id, GraphNodeKind kind, int layer, int position, double? probability = null) =>
            new(id, kind, layer, position, kind == GraphNodeKind.Logit ? 7 : kind == GraphNodeKind.Feature ? 1 : null,
                kind == GraphNodeKind.Feature ? 1.0 : null, "t", 1.0, probability);
        var graph = new AttributionGraph([1, 2], ["a", "b"],
            [Node("emb0", GraphNodeKind.Embedding, -1, 0), Node("emb1", GraphNodeKind.Embedding, -1, 1), Node("strong", GraphNodeKind.Feature, 0, 1),
             Node("weak", GraphNodeKind.Feature, 0, 1), Node("logit", GraphNodeKind.Logit, 1, 1, probability: 1.0)],
            [new("emb0", "strong", 1.0), new("emb1", "weak", 1.0), new("strong", "logit", 10), new("weak", "logit", 0.1), new("emb0", "logit", 0.5)]);

        var loose = GraphPruning.Prune(graph, 0.8, 0.98);
        Assert.Equal(["emb0", "emb1", "strong", "logit"], loose.Nodes.Select(n => n.Id).ToArray());
        Assert.Equal([("emb0", "strong"), ("strong", "logit"), ("emb0", "logit")], loose.Edges.Select(e => (e.Source, e.Target)).OrderBy(e => e.Target == "logit").ThenBy(e => e.Source != "strong").ToArray());

        var tight = GraphPruning.Prune(graph, 0.8, 0.9);
        Assert.Equal([("emb0", "strong"), ("strong", "logit")], tight.Edges.Select(e => (e.Source, e.Target)).OrderBy(e => e.Target == "logit").ToArray());
    }
}

