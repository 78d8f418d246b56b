using Interp.Circuits.Attribution;
using Interp.Core;

namespace Interp.Circuits.Tests.Attribution;

public sealed class AttributionGraphJsonTests
{
    [Fact]
    public void A_graph_written_as_json_reads_back_equal_with_lower_case_kinds()
    {
        using var model = AttributionFixture.Model();
        var graph = AttributionGraphBuilder.Build(model, AttributionFixture.Transcoders(model, skip: true), AttributionFixture.Prompt(model), new AttributionOptions());
        using var dir = new TempDir();
        var path = dir["graph.json"];
        AttributionGraphJson.Write(path, graph);
        var read = AttributionGraphJson.Read(path);

        Assert.Equal(graph.TokenIds, read.TokenIds);
        Assert.Equal(graph.Tokens, read.Tokens);
        Assert.Equal(graph.Nodes, read.Nodes);
        Assert.Equal(graph.Edges, read.Edges);
        var text = File.ReadAllText(path);
        foreach (var kind in new[] { "embedding", "feature", "error", "bias", "logit" }) Assert.Contains($"\"kind\":\"{kind}\"", text);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Theory]
    [InlineData("""{"token_ids":[1],"tokens":["a"],"nodes":[{"id":"a","kind":"neuron","layer":0,"position":0,"token":"a","value":1}],"edges":[]}""", "nodes[0].kind")]
    [InlineData("""{"token_ids":[1],"tokens":["a"],"nodes":[{"id":"a","kind":"logit","layer":0,"position":0,"token":"a"}],"edges":[]}""", "nodes[0].value")]
    [InlineData("""{"token_ids":[1],"tokens":["a"],"nodes":[],"edges":[{"source":"x","target":"y","weight":1}]}""", "edges[0].source")]
    [InlineData("""{"token_ids":[1],"tokens":["a"],"edges":[]}""", "\"nodes\"")]
    [InlineData("""[1, 2""", "not JSON")]
    public void A_damaged_graph_file_is_one_message_naming_the_file_and_the_key(string json, string named)
    {
        using var dir = new TempDir();
        var path = dir["graph.json"];
        File.WriteAllText(path, json);
        var error = Assert.Throws<InterpException>(() => AttributionGraphJson.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(named, error.Message);
    }
}
