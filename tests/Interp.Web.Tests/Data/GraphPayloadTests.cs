using Interp.Circuits;
using Interp.Core.Records;
using Interp.Web.Graph;

namespace Interp.Web.Tests.Data;

/// <summary>What the graph page sends to graph.js: nodes with their notes, edges as node indexes.</summary>
public class GraphPayloadTests
{
    private static AttributionGraph Graph() => new([50256, 464], ["<|endoftext|>", "The"],
        [
            new GraphNode("E0", GraphNodeKind.Embedding, -1, 0, null, null, "<|endoftext|>", 1.5),
            new GraphNode("F1.7@1", GraphNodeKind.Feature, 1, 1, 7, 2.25, "The", 2.25),
            new GraphNode("R1@1", GraphNodeKind.Error, 1, 1, null, null, "The", 0.5),
            new GraphNode("L262@1", GraphNodeKind.Logit, 4, 1, 262, null, " the", 3.0),
        ],
        [
            new GraphEdge("E0", "F1.7@1", 0.75),
            new GraphEdge("F1.7@1", "L262@1", -1.25),
            new GraphEdge("R1@1", "L262@1", 0.5),
            new GraphEdge("gone", "L262@1", 9.0),
        ]);

    [Fact]
    public void Edges_become_indexes_into_the_node_list_and_edges_to_nodes_not_in_the_graph_are_left_out()
    {
        var payload = GraphPayload.Of(Graph(), 4, new Dictionary<(int, int), GraphNote>());

        Assert.Equal(["embedding", "feature", "error", "logit"], payload.Nodes.Select(n => n.Kind));
        Assert.Equal([new GraphEdgeView(0, 1, 0.75), new GraphEdgeView(1, 3, -1.25), new GraphEdgeView(2, 3, 0.5)], payload.Edges);
        Assert.Equal(["<|endoftext|>", "The"], payload.Tokens);
        Assert.Equal(4, payload.Layers);
    }

    [Fact]
    public void A_features_note_goes_to_its_node_only()
    {
        var note = new GraphNote("fires on \"The\"", ["[The] king  (2.1)"], "runs/r/units/transcoder%3A1/7");

        var payload = GraphPayload.Of(Graph(), 4, new Dictionary<(int, int), GraphNote> { [(1, 7)] = note });

        var feature = payload.Nodes[1];
        Assert.Equal((note.Explanation, note.Url), (feature.Explanation, feature.Url));
        Assert.Equal(note.Top, feature.Top);
        Assert.All(payload.Nodes.Where(n => n.Kind != "feature"), n => Assert.Null(n.Url));
    }

    [Fact]
    public void A_snippet_cuts_the_window_around_its_peak_and_brackets_the_peak_token()
    {
        var tokens = Enumerable.Range(0, 20).Select(i => $" t{i}").ToArray();
        var values = new float[20];
        values[12] = 3.5f;

        var snippet = GraphNotes.Snippet(new ActivationRecord(new int[20], tokens, values));

        Assert.Equal("… t4 t5 t6 t7 t8 t9 t10 t11[ t12] t13 t14…  (3.5)", snippet);
    }

    [Fact]
    public void The_unit_source_of_a_layers_transcoder_is_transcoder_and_the_layer()
    {
        Assert.Equal("transcoder:2", GraphNotes.SourceOf(2));
    }
}
