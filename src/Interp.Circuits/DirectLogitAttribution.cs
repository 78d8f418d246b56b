using Interp.Core.Hooks;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Circuits;

/// <summary>One component's share of a logit.</summary>
public sealed record DlaComponent(string Name, double Value);

/// <summary>The logit of <see cref="Token"/> at <see cref="Position"/> and its split into <see cref="Components"/> (which sum to it).</summary>
public sealed record DlaResult(int Position, int Token, double Logit, IReadOnlyList<DlaComponent> Components);

/// <summary>
/// Direct logit attribution: the final residual stream at one position is a sum of what each component wrote
/// (embeddings, every head's result, every attention output bias, every MLP), so with ln_final's scale frozen from the run
/// (TransformerLens's <c>cache.apply_ln_to_stack</c>) the logit is a sum over them: each component centred, divided by
/// that scale, times ln_final's weight, dotted with the token's unembedding column; ln_final's bias and the unembedding
/// bias b_U (non-zero only once weights are processed) are components of their own.
/// Names are TransformerLens's: <c>embed</c>, <c>pos_embed</c>, <c>L{l}H{h}</c> (<c>stack_head_results</c>),
/// <c>{l}_mlp_out</c> (<c>decompose_resid</c>), and its parameter names for the biases: <c>blocks.{l}.attn.b_O</c>,
/// <c>ln_final.b</c>, <c>unembed.b_U</c>.
/// </summary>
public static class DirectLogitAttribution
{
    /// <summary>The attribution of <paramref name="token"/>'s logit at <paramref name="position"/> (default: the last).</summary>
    public static DlaResult Run(Gpt2 model, IReadOnlyList<int> ids, int token, int? position = null)
    {
        var tokens = CircuitInput.Tokens(model, ids);
        CircuitInput.Token(model, token, "Token");
        var at = CircuitInput.Position(position, tokens.Length);
        var (layers, heads, headSize, width) = (model.Config.NLayer, model.Config.NHead, model.Config.DHead, model.Config.NEmbd);
        HookName[] hooks =
        [
            HookName.Embed, HookName.PosEmbed, .. Enumerable.Range(0, layers).Select(HookName.Z),
            .. Enumerable.Range(0, layers).Select(HookName.MlpOut), HookName.LnFinalScale,
        ];
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (logits, cache) = model.RunWithCache(CircuitInput.Batch(model, tokens), hooks);
        using (cache)
        {
            var logit = logits![0, at, token].item<float>();
            Tensor At(HookName hook) => cache[hook][0, at].to(model.Device);                       // this position's slice

            var names = new List<string> { "embed", "pos_embed" };
            var parts = new List<Tensor> { At(HookName.Embed), At(HookName.PosEmbed) };             // each (d) or (n, d)
            for (var l = 0; l < layers; l++)
            {
                // Head h's result: z_h (hs) times its rows of W_O (hs, d); attn_out is their sum plus b_O.
                var outputWeight = ModelParts.Parameter(model, $"h.{l}.attn.c_proj.weight").view(heads, headSize, width);
                var z = At(HookName.Z(l));                                                          // (nh, hs)
                parts.Add(z.unsqueeze(1).bmm(outputWeight).squeeze(1));                             // (nh, d)
                names.AddRange(Enumerable.Range(0, heads).Select(h => $"L{l}H{h}"));
                parts.Add(ModelParts.Parameter(model, $"h.{l}.attn.c_proj.bias"));
                names.Add($"blocks.{l}.attn.b_O");
                parts.Add(At(HookName.MlpOut(l)));
                names.Add($"{l}_mlp_out");
            }
            var stack = cat(parts.Select(p => p.dim() == 1 ? p.unsqueeze(0) : p).ToArray(), 0);     // (C, d)

            using var unembedding = model.UnembeddingWeight;
            var column = unembedding[token];                                                        // W_U[:, token] (d)
            var scale = At(HookName.LnFinalScale);                                                  // (1): the frozen scale
            var centred = stack - stack.mean([-1], keepdim: true);
            var values = (centred / scale * ModelParts.Parameter(model, "ln_f.weight")).matmul(column);      // (C)
            var components = names.Zip(values.cpu().data<float>().ToArray(), (name, value) => new DlaComponent(name, value)).ToList();
            components.Add(new DlaComponent("ln_final.b", ModelParts.Parameter(model, "ln_f.bias").dot(column).item<float>()));
            if (!model.Processing.IsNone) components.Add(new DlaComponent("unembed.b_U", ModelParts.UnembedBias(model)[token].item<float>()));
            return new DlaResult(at, token, logit, components);
        }
    }
}
