using Interp.Core.Hooks;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Circuits;

/// <summary>One residual-stream point read as a prediction: the top tokens and their log-probabilities, <c>[position][k]</c>.</summary>
public sealed record LensLayer(string Hook, int[][] TopIds, float[][] TopLogprobs);

/// <summary>The logit lens of a prompt: one <see cref="LensLayer"/> per residual-stream point, in forward order.</summary>
public sealed record LogitLensResult(int[] TokenIds, IReadOnlyList<LensLayer> Layers);

/// <summary>
/// The logit lens (nostalgebraist 2020; TransformerLens's <c>accumulated_resid</c> read through the unembedding): every
/// block's <c>hook_resid_pre</c> and then the last block's <c>hook_resid_post</c>, each put through ln_final (with its own
/// scale, as the model would) and the unembedding. The last entry is the model's own prediction, computed the same way.
/// </summary>
public static class LogitLens
{
    /// <summary>The residual-stream points the lens reads, in forward order.</summary>
    public static IReadOnlyList<HookName> Hooks(Gpt2 model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var n = model.Config.NLayer;
        return [.. Enumerable.Range(0, n).Select(HookName.ResidPre), HookName.ResidPost(n - 1)];
    }

    /// <summary>The top <paramref name="top"/> tokens at every position and point.</summary>
    public static LogitLensResult Run(Gpt2 model, IReadOnlyList<int> ids, int top = 5)
    {
        var tokens = CircuitInput.Tokens(model, ids);
        if (top < 1 || top > model.Config.VocabSize)
            throw CircuitInput.Refuse(n => $"{n("Top")} {top}: must be between 1 and vocab_size={model.Config.VocabSize}");
        var hooks = Hooks(model);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (_, cache) = model.RunWithCache(CircuitInput.Batch(model, tokens), hooks, stopAtLastHook: true);
        using (cache)
        {
            var layers = new List<LensLayer>(hooks.Count);
            foreach (var hook in hooks)
            {
                using var step = NewDisposeScope();
                // One point at a time, shaped (1, T, d) like the model's own run, so that the last entry is computed
                // by exactly the operations the forward pass uses.
                var logits = model.Unembed(ModelParts.LnFinal(model, cache[hook].to(model.Device)));     // (1, T, V)
                var (values, indices) = logits.log_softmax(-1)[0].topk(top, dim: -1);                      // (T, k)
                layers.Add(new LensLayer(hook.Name, Rows(indices.to(ScalarType.Int32).cpu().data<int>().ToArray(), top),
                    Rows(values.cpu().data<float>().ToArray(), top)));
            }
            return new LogitLensResult(tokens, layers);
        }
    }

    private static T[][] Rows<T>(T[] flat, int width) => flat.Chunk(width).ToArray();
}
