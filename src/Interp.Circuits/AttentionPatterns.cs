using Interp.Core.Hooks;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Circuits;

/// <summary>One layer's attention patterns, <c>[head][query][key]</c>; each query's row sums to 1 over keys up to itself.</summary>
public sealed record AttentionLayer(int Layer, float[][][] Patterns);

/// <summary>Attention patterns of a prompt, one <see cref="AttentionLayer"/> per layer asked for.</summary>
public sealed record AttentionResult(int[] TokenIds, IReadOnlyList<AttentionLayer> Layers);

/// <summary>Every head's attention pattern (<c>blocks.L.attn.hook_pattern</c>), as CircuitsVis shows them.</summary>
public static class AttentionPatterns
{
    /// <summary>The patterns of <paramref name="layer"/>, or of every layer when null.</summary>
    public static AttentionResult Run(Gpt2 model, IReadOnlyList<int> ids, int? layer = null)
    {
        var tokens = CircuitInput.Tokens(model, ids);
        var layers = layer is { } l ? [CircuitInput.Layer(model, l)] : Enumerable.Range(0, model.Config.NLayer).ToArray();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (_, cache) = model.RunWithCache(CircuitInput.Batch(model, tokens), layers.Select(HookName.Pattern), stopAtLastHook: true);
        using (cache)
        {
            var length = tokens.Length;
            return new AttentionResult(tokens, layers.Select(layerIndex =>
            {
                var flat = cache[HookName.Pattern(layerIndex)][0].contiguous().data<float>().ToArray();  // (nh·T·T)
                var patterns = flat.Chunk(length).Chunk(length).Select(rows => rows.ToArray()).ToArray();
                return new AttentionLayer(layerIndex, patterns);
            }).ToList());
        }
    }
}
