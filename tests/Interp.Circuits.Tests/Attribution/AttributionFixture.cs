using Interp.Circuits.Attribution;
using Interp.Core;
using Interp.Core.Tokenization;
using Interp.Core.Hooks;
using Interp.Model;
using Interp.Sae;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Circuits.Tests.Attribution;

/// <summary>
/// The embedded model (d_model 128, 4 layers) and seeded random transcoders for it (<see cref="RandomTranscoders"/>,
/// with random biases and, for skip transcoders, a random W_skip, so that every constant and path of the frozen system
/// is exercised). Their weights do not matter for the identities tested: completeness holds for any transcoder.
/// </summary>
internal static class AttributionFixture
{
    /// <summary>"&lt;|endoftext|&gt;The quick brown fox …": 16 tokens of the GPT-2 tokenizer.</summary>
    public static int[] Prompt(Gpt2 model) => new[] { Gpt2Tokenizer.EndOfTextId }
        .Concat(model.RequireTokenizer().Encode(" The quick brown fox jumps over the lazy dog because it was tired and hungry after a long day")).Take(16).ToArray();

    public static Gpt2 Model(TlProcessing? processing = null) => Gpt2.Load(ModelSource.DefaultModelDirectory, CPU, processing);

    /// <summary>One transcoder per block: TopK(k) over d_sae latents, random biases, and a random W_skip when <paramref name="skip"/>.</summary>
    public static SparseAutoencoder[] Transcoders(Gpt2 model, bool skip, int dSae = 256, int k = 8, long seed = 1) =>
        RandomTranscoders.Create(model, dSae, k, skip, biases: true, seed);

    /// <summary>The sum of each node's incoming edge weights, by node id.</summary>
    public static Dictionary<string, double> IncomingSums(AttributionGraph graph)
    {
        var sums = graph.Nodes.ToDictionary(n => n.Id, _ => 0.0);
        foreach (var edge in graph.Edges) sums[edge.Target] += edge.Weight;
        return sums;
    }

    /// <summary>Each block's MLP input <c>[T, d]</c> as the model computes it (detached copies the caller disposes).</summary>
    public static Tensor[] MlpInputs(Gpt2 model, int[] ids)
    {
        using var tokens = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        var names = Enumerable.Range(0, model.Config.NLayer).Select(HookName.Ln2Normalized).ToArray();
        var (logits, cache) = model.RunWithCache(tokens, names, stopAtLastHook: true);
        using (cache)
        {
            logits?.Dispose();
            return [.. names.Select(n => cache[n][0].clone().DetachFromDisposeScope())];
        }
    }
}
