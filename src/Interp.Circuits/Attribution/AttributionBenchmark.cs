using System.Diagnostics;
using Interp.Model;

namespace Interp.Circuits.Attribution;

/// <summary>What one timing of <see cref="AttributionBenchmark.Run"/> measured.</summary>
public sealed record AttributionBenchmarkResult(int Tokens, int DSae, int K, int Features, int CompleteNodes, int CompleteEdges,
    double CompleteSeconds, int PrunedNodes, int PrunedEdges, double PrunedSeconds);

/// <summary>
/// Times attribution graphs on a model with seeded random TopK transcoders (one per block): how long a graph takes
/// depends on the prompt's length, d_sae and the active features per position (k), not on what the weights learned.
/// </summary>
public static class AttributionBenchmark
{
    /// <summary>Builds the complete and the pruned graph of <paramref name="tokens"/> seeded random token ids, after one warm-up.</summary>
    public static AttributionBenchmarkResult Run(Gpt2 model, int tokens = 16, int dSae = 1024, int k = 32, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        var random = new Random((int)seed);
        var ids = Enumerable.Range(0, tokens).Select(_ => random.Next(model.Config.VocabSize)).ToArray();
        var transcoders = RandomTranscoders.Create(model, dSae, k, seed: seed);
        try
        {
            AttributionGraphBuilder.Build(model, transcoders, ids[..Math.Min(4, tokens)], new AttributionOptions(Prune: false));   // warm-up
            var clock = Stopwatch.StartNew();
            var complete = AttributionGraphBuilder.Build(model, transcoders, ids, new AttributionOptions(Prune: false));
            var completeSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var pruned = AttributionGraphBuilder.Build(model, transcoders, ids, new AttributionOptions());
            var prunedSeconds = clock.Elapsed.TotalSeconds;
            return new AttributionBenchmarkResult(tokens, dSae, k, complete.Nodes.Count(n => n.Kind == GraphNodeKind.Feature),
                complete.Nodes.Count, complete.Edges.Count, completeSeconds, pruned.Nodes.Count, pruned.Edges.Count, prunedSeconds);
        }
        finally
        {
            foreach (var t in transcoders) t.Dispose();
        }
    }
}
