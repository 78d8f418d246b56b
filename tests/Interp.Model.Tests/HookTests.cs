using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Tests;

/// <summary>Hook points: ablation, patching, steering, caching, and their bookkeeping. Run on <see cref="RandomGpt2"/> (non-zero biases).</summary>
public sealed class HookTests(RandomGpt2Folder folder) : IClassFixture<RandomGpt2Folder>
{
    private static readonly long[][] Tokens = [[5, 9, 31, 2, 44], [0, 1, 2, 3, 4], [48, 48, 7, 19, 26]];
    private const int B = 3, Time = 5, D = RandomGpt2.NEmbd, NH = RandomGpt2.NHead, HS = D / NH, M = RandomGpt2.DMlp;

    [Fact]
    public void Zeroing_mlp_post_in_block_0_changes_the_logits_exactly_as_a_hand_computation_does()
    {
        using var model = Gpt2.Load(folder.Folder);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        // Caching only residual/MLP hooks (no attention-pattern hooks) keeps every run here on the fused attention path,
        // so the runs below differ only by the ablation.
        var (cleanLogits, clean) = model.RunWithCache(tokens, [HookName.ResidMid(0)]);
        using var _c = clean;
        using var _cl = cleanLogits;

        // With mlp.hook_post = 0, the MLP outputs c_proj(0) = c_proj.bias: resid_post = resid_mid + bias.
        float[] bias;
        using (var file = SafetensorsFile.Open(folder.WeightsFile)) bias = file.ReadAsFloat32("transformer.h.0.mlp.c_proj.bias");
        Assert.Contains(bias, b => b != 0);
        using var biasTensor = tensor(bias);
        using var handResidPost = clean[HookName.ResidMid(0)] + biasTensor;               // (B, T, d)

        var zero = (HookFunction)((activation, _) => zeros_like(activation));
        ActivationCache ablatedCache;
        Tensor ablatedLogits;
        using (model.Hooks((HookName.MlpPost(0), zero)))
        {
            var (logits, cache) = model.RunWithCache(tokens, [HookName.MlpPost(0), HookName.ResidPost(0)]);
            ablatedCache = cache;
            ablatedLogits = logits!;
        }
        using var _a = ablatedCache;
        using var _al = ablatedLogits;

        Assert.Equal(0.0, T.MaxAbsDiff(ablatedCache[HookName.MlpPost(0)], zeros(B, Time, M)));
        T.Close(handResidPost, ablatedCache[HookName.ResidPost(0)], 1e-6, "ablated blocks.0.hook_resid_post vs resid_mid0 + c_proj.bias");

        using var patchedLogits = model.RunWithHooks(tokens, (HookName.ResidPre(1), (_, _) => handResidPost.clone()));
        T.Close(patchedLogits, ablatedLogits, 1e-6, "ablated logits vs logits with blocks.1.hook_resid_pre patched by hand");
        Assert.True(T.MaxAbsDiff(cleanLogits!, ablatedLogits) > 1e-2, "the ablation did not change the logits");
        Assert.False(model.HookPoints[HookName.MlpPost(0).Name].HasHooks);
    }

    [Fact]
    public void Hooks_are_removed_when_the_handle_is_disposed_even_after_an_exception()
    {
        using var model = Gpt2.Load(folder.Folder);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        using var clean = model.Run(tokens);
        var calls = 0;
        var ablate = (HookFunction)((a, _) => { calls++; return zeros_like(a); });
        var point = model.HookPoints[HookName.AttnOut(1).Name];

        using (model.Hooks((HookName.AttnOut(1), ablate), (HookName.ResidPre(0), (_, _) => { calls++; return null; })))
        {
            Assert.True(point.HasHooks);
            using var hooked = model.Run(tokens);
            Assert.Equal(2, calls);
            Assert.True(T.MaxAbsDiff(clean, hooked) > 1e-2, "the attached hook had no effect");
        }
        Assert.False(point.HasHooks);
        Assert.False(model.HookPoints[HookName.ResidPre(0).Name].HasHooks);
        using (var after = model.Run(tokens)) Assert.Equal(0.0, T.MaxAbsDiff(clean, after));
        Assert.Equal(2, calls);

        Assert.Throws<InvalidOperationException>((Action)(() =>
        {
            using (model.Hooks((HookName.AttnOut(1), ablate)))
            {
                Assert.True(point.HasHooks);
                throw new InvalidOperationException("boom");
            }
        }));
        Assert.False(point.HasHooks);

        // A hook that throws mid-forward is removed too.
        var throwing = (HookFunction)((_, _) => throw new InvalidOperationException("hook failed"));
        Assert.Throws<InvalidOperationException>(() => model.RunWithHooks(tokens, (HookName.MlpPre(0), throwing)));
        Assert.False(model.HookPoints[HookName.MlpPre(0).Name].HasHooks);
        using (var after = model.Run(tokens)) Assert.Equal(0.0, T.MaxAbsDiff(clean, after));
    }

    [Fact]
    public void Run_with_cache_stopping_at_the_last_hook_gives_the_full_run_activations_and_no_logits()
    {
        using var model = Gpt2.Load(folder.Folder);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        var (fullLogits, full) = model.RunWithCache(tokens);
        using var _f = full;
        using var _fl = fullLogits;
        Assert.NotNull(fullLogits);

        HookName[][] requests =
        [
            [HookName.Embed],
            [HookName.AttnScores(0), HookName.ResidMid(0)],
            [HookName.Pattern(0), HookName.MlpPost(0), HookName.PosEmbed],
            [HookName.LnFinalNormalized, HookName.Z(1)],
        ];
        foreach (var names in requests)
        {
            // A counting hook just past the deepest requested block tells whether the forward pass went on.
            var deepest = names.Max(n => n.Layer(RandomGpt2.NLayer));
            var ranBeyond = 0;
            using var probe = deepest + 1 < RandomGpt2.NLayer
                ? model.Hooks((HookName.ResidPre(deepest + 1), (_, _) => { ranBeyond++; return null; }))
                : null;
            var (logits, cache) = model.RunWithCache(tokens, names, stopAtLastHook: true);
            using var _ = cache;
            Assert.Null(logits);
            Assert.Equal(0, ranBeyond);
            Assert.Equal(names.Select(n => n.Name).Order(), cache.Names.Order());

            // The same request without stopping runs the same code up to the last hook: identical activations.
            var (unstoppedLogits, unstopped) = model.RunWithCache(tokens, names);
            using var _u = unstopped;
            using var _ul = unstoppedLogits;
            Assert.NotNull(unstoppedLogits);
            if (probe is not null) Assert.Equal(1, ranBeyond);                           // the probe does see a full run
            foreach (var name in names)
            {
                Assert.Equal(0.0, T.MaxAbsDiff(unstopped[name], cache[name]));
                // And the all-hooks run (explicit attention everywhere) agrees to float rounding.
                T.Close(full[name], cache[name], 1e-5, $"{name} with stopAtLastHook vs a full cached run");
            }
        }
    }

    [Fact]
    public void A_full_cache_holds_every_hook_name_with_its_TransformerLens_shape()
    {
        using var model = Gpt2.Load(folder.Folder);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        var (logits, cache) = model.RunWithCache(tokens);
        using var _ = cache;
        using var _l = logits;

        var all = HookName.All(RandomGpt2.NLayer).ToArray();
        Assert.Equal(2 + 17 * RandomGpt2.NLayer + 2, all.Length);
        Assert.Equal(all.Select(n => n.Name), model.HookPoints.Keys);                  // same names, same forward order
        Assert.Equal(all.Select(n => n.Name).Order(), cache.Names.Order());
        foreach (var name in all)
        {
            var suffix = name.Name[(name.Name.LastIndexOf("hook_", StringComparison.Ordinal) + 5)..];
            long[] expected = suffix switch
            {
                "q" or "k" or "v" or "z" => [B, Time, NH, HS],
                "attn_scores" or "pattern" => [B, NH, Time, Time],
                "pre" or "post" => [B, Time, M],
                "scale" => [B, Time, 1],                                                     // ln1, ln2, ln_final: √(var + ε)
                _ => [B, Time, D],   // embed, pos_embed, resid_pre/mid/post, ln*.hook_normalized, attn_out, mlp_out
            };
            Assert.True(expected.SequenceEqual(cache[name].shape), $"{name}: shape {T.Shape(cache[name])}, expected [{string.Join(", ", expected)}]");
            Assert.Equal(ScalarType.Float32, cache[name].dtype);
            Assert.Equal(DeviceType.CPU, cache[name].device_type);
        }

        // The cached activations are the forward pass's: final LN output times wte^T is the logits.
        using var unembedded = cache[HookName.LnFinalNormalized].matmul(model.TokenEmbedding.t());
        T.Close(logits!, unembedded, 1e-5, "ln_final.hook_normalized · wteᵀ vs logits");
    }

    [Fact]
    public void Attention_patterns_are_causal_and_their_rows_sum_to_one()
    {
        using var model = Gpt2.Load(folder.Folder);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        var (logits, cache) = model.RunWithCache(tokens, stopAtLastHook: false);
        using var _ = cache;
        using var _l = logits;
        for (var l = 0; l < RandomGpt2.NLayer; l++)
        {
            var pattern = cache[HookName.Pattern(l)];                                            // (B, nh, T, T)
            using var sums = pattern.sum(-1);
            T.Close(ones_like(sums), sums, 1e-6, $"layer {l}: pattern row sums");
            using var above = pattern.triu(1);
            Assert.Equal(0.0, above.abs().max().item<float>());
            using var causal = ones(Time, Time, dtype: ScalarType.Bool).tril();
            using var allowed = pattern.masked_select(causal.expand(B, NH, Time, Time));
            Assert.True(allowed.min().item<float>() > 0, $"layer {l}: a causal position got zero attention");

            // TransformerLens convention: scores are hooked after the mask, with -inf above the diagonal.
            var scores = cache[HookName.AttnScores(l)];
            using var mask = ones(Time, Time, dtype: ScalarType.Bool).triu(1);
            using var masked = scores.masked_select(mask.expand(B, NH, Time, Time));
            Assert.All(masked.data<float>().ToArray(), s => Assert.Equal(float.NegativeInfinity, s));
            using var softmaxed = scores.softmax(-1);
            T.Close(pattern, softmaxed, 1e-6, $"layer {l}: pattern vs softmax(scores)");
        }
    }

    [Fact]
    public void A_steering_vector_added_at_resid_pre_changes_the_logits_and_a_zero_one_does_not()
    {
        using var model = Gpt2.Load(folder.Folder);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        using var clean = model.Run(tokens);
        using var steer = linspace(-2, 2, D);
        using var nothing = zeros(D);

        using var steered = model.RunWithHooks(tokens, (HookName.ResidPre(1), (a, _) => a + steer));
        using var unsteered = model.RunWithHooks(tokens, (HookName.ResidPre(1), (a, _) => a + nothing));
        Assert.True(T.MaxAbsDiff(clean, steered) > 1e-2, "steering did not change the logits");
        Assert.Equal(0.0, T.MaxAbsDiff(clean, unsteered));

        // Steering stays active through generation (the hook applies to every new position).
        int[] prompt = [1, 2, 3];
        var plain = Generation.Generate(model, prompt, new GenerationOptions(MaxNewTokens: 8));
        // (Not a constant vector: every LayerNorm subtracts the mean, so adding c·1 to the residual stream changes nothing.)
        using var big = linspace(-20, 20, D);
        using (model.Hooks((HookName.ResidPre(1), (a, _) => a + big)))
        {
            var steeredGeneration = Generation.Generate(model, prompt, new GenerationOptions(MaxNewTokens: 8));
            Assert.NotEqual(plain, steeredGeneration);
        }
    }

    [Fact]
    public void Hooks_on_the_pattern_force_explicit_attention_with_the_same_logits_as_the_fused_path()
    {
        using var model = Gpt2.Load(folder.Folder);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        using var fused = model.Run(tokens);
        var seen = 0;
        var observe = (HookFunction)((_, _) => { seen++; return null; });
        using var explicitPath = model.RunWithHooks(tokens,
            Enumerable.Range(0, RandomGpt2.NLayer).Select(l => (HookName.Pattern(l), observe)).ToArray());
        Assert.Equal(RandomGpt2.NLayer, seen);
        Assert.True(fused.abs().max().item<float>() > 1, "logits too small for a meaningful comparison");
        T.Close(fused, explicitPath, 1e-5, "explicit vs fused attention logits");

        // And a hook that edits the pattern is honoured: uniform causal attention changes the logits.
        using var edited = model.RunWithHooks(tokens, (HookName.Pattern(0), (p, _) =>
        {
            var causal = ones_like(p).tril();
            return causal / causal.sum(-1, keepdim: true);
        }));
        Assert.True(T.MaxAbsDiff(fused, edited) > 1e-3, "replacing the pattern had no effect");
    }

    [Fact]
    public void Unknown_hook_names_throw_an_InterpException_naming_the_hook_and_attach_nothing()
    {
        using var model = Gpt2.Load(folder.Folder);
        using var tokens = T.Tokens(Tokens);
        var noop = (HookFunction)((_, _) => null);

        var e = Assert.Throws<InterpException>(() => model.Hooks((HookName.ResidPre(0), noop), (new HookName("blocks.0.hook_bogus"), noop)));
        Assert.Contains("blocks.0.hook_bogus", e.Message);
        Assert.All(model.HookPoints.Values, p => Assert.False(p.HasHooks));

        e = Assert.Throws<InterpException>(() => model.RunWithCache(tokens, [HookName.ResidPost(RandomGpt2.NLayer)]));
        Assert.Contains($"blocks.{RandomGpt2.NLayer}.hook_resid_post", e.Message);
        Assert.All(model.HookPoints.Values, p => Assert.False(p.HasHooks));

        e = Assert.Throws<InterpException>(() => model.RunWithHooks(tokens, (new HookName("ln_final.hook_mean"), noop)));
        Assert.Contains("ln_final.hook_mean", e.Message);
        e = Assert.Throws<InterpException>(() => model.GetHookPoint(new HookName("hook_embedding")));
        Assert.Contains("hook_embedding", e.Message);

        var (_, cache) = model.RunWithCache(tokens, [HookName.Embed], stopAtLastHook: true);
        using (cache)
        {
            e = Assert.Throws<InterpException>(() => cache[HookName.ResidPre(0)]);
            Assert.Contains("blocks.0.hook_resid_pre", e.Message);
        }
    }
}
