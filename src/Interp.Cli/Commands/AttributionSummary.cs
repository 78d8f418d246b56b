using Interp.Circuits;
using Interp.Circuits.Attribution;

namespace Interp.Cli.Commands;

/// <summary><c>interp attribute</c> without <c>--json</c>: what the graph holds, its top logits and the strongest edges into the top one.</summary>
internal static class AttributionSummary
{
    private const int StrongestEdges = 10;

    public static void Print(AttributionGraph graph, AttributionOptions options, double seconds, string? writtenTo)
    {
        var nodes = graph.Nodes.ToDictionary(n => n.Id);
        Console.WriteLine($"prompt: {graph.TokenIds.Count} tokens: {string.Join(" ", graph.Tokens.Select(Quote))}");
        var kinds = Enum.GetValues<GraphNodeKind>().Select(k => $"{AttributionGraphJson.KindName(k)} {graph.Nodes.Count(n => n.Kind == k):N0}");
        var how = options.Prune ? $"pruned (node threshold {options.NodeThreshold}, edge threshold {options.EdgeThreshold})" : "complete";
        Console.WriteLine($"graph ({how}): {graph.Nodes.Count:N0} nodes ({string.Join(", ", kinds)}), {graph.Edges.Count:N0} edges; built in {seconds:F2} s");
        if (writtenTo is not null) Console.WriteLine($"written to {writtenTo}");

        var logits = graph.Nodes.Where(n => n.Kind == GraphNodeKind.Logit).ToArray();
        Console.WriteLine("top logits (value = logit − mean logit):");
        foreach (var logit in logits)
            Console.WriteLine($"  {Quote(logit.Token),-16} p={logit.Probability:F3}  value {logit.Value:F3}");
        if (logits.Length == 0) return;
        var top = logits[0];
        Console.WriteLine($"strongest edges into {Quote(top.Token)}:");
        foreach (var edge in graph.Edges.Where(e => e.Target == top.Id).OrderByDescending(e => Math.Abs(e.Weight)).Take(StrongestEdges))
            Console.WriteLine($"  {edge.Weight,9:+0.000;-0.000}  {Describe(nodes[edge.Source], top.Layer)}");
    }

    private static string Describe(GraphNode node, int outputLayer) => node.Kind switch
    {
        GraphNodeKind.Feature => $"feature {node.Feature} of transcoder:{node.Layer} at {node.Position} {Quote(node.Token)} (activation {node.Activation:F3})",
        GraphNodeKind.Embedding => $"embedding at {node.Position} {Quote(node.Token)}",
        GraphNodeKind.Error => $"error of transcoder:{node.Layer} at {node.Position} {Quote(node.Token)}",
        GraphNodeKind.Bias when node.Layer == outputLayer => "biases of the output (ln_final's β, b_U)",
        GraphNodeKind.Bias => $"biases of block {node.Layer} at {node.Position}",
        _ => node.Id,
    };

    /// <summary>A token shown between quotes, its line breaks and tabs escaped so one node is one line.</summary>
    private static string Quote(string token) => $"\"{token.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal)}\"";
}
