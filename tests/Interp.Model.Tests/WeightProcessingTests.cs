using Interp.Core;
using Interp.Core.Hooks;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Model.Tests;

/// <summary>
/// TransformerLens's weight processing (fold_ln, center_writing_weights, center_unembed, fold_value_biases) on the
/// random GPT-2 (LayerNorm gains and every bias far from 1 and 0) and on the embedded default model: the residual stream
/// loses its mean over d_model and nothing else, and the log-probabilities stay where they were.
/// </summary>
public sealed class WeightProcessingTests(RandomGpt2Folder folder) : IClassFixture<RandomGpt2Folder>
{
    private static readonly long[][] RandomTokens = [[0, 7, 49, 3, 3, 21, 30], [12, 12, 1, 48, 5, 0, 9]];
    private static readonly long[][] EmbeddedTokens = [[50256, 464, 3290, 286, 262, 1578, 318, 257, 1310, 13, 50256, 40, 1101]];

    public static TheoryData<string> Switches => new(TlProcessing.Keys);

    [Fact]
    public void Processed_random_model_residual_stream_hooks_have_zero_mean_and_equal_the_unprocessed_ones_minus_their_mean() =>
        AssertResidualStreamCentred(folder.Folder, RandomTokens);

    [Fact]
    public void Processed_embedded_model_residual_stream_hooks_have_zero_mean_and_equal_the_unprocessed_ones_minus_their_mean() =>
        AssertResidualStreamCentred(ModelSource.DefaultModelDirectory, EmbeddedTokens);

    [Fact]
    public void Processing_keeps_the_random_models_log_softmax_within_1e_3() =>
        AssertSameLogSoftmax(folder.Folder, RandomTokens, TlProcessing.TransformerLensDefaults);

    [Fact]
    public void Processing_keeps_the_embedded_models_log_softmax_within_1e_3() =>
        AssertSameLogSoftmax(ModelSource.DefaultModelDirectory, EmbeddedTokens, TlProcessing.TransformerLensDefaults);

    [Theory]
    [MemberData(nameof(Switches))]
    public void Each_switch_alone_keeps_the_log_softmax_and_only_center_unembed_moves_the_logits(string key)
    {
        var processing = TlProcessing.FromKwargs(new() { [key] = true }, "test");
        Assert.Equal(key, processing.ToString());
        var (plain, processed) = AssertSameLogSoftmax(folder.Folder, RandomTokens, processing);
        using (plain)
        using (processed)
        {
            var shift = T.MaxAbsDiff(plain, processed);
            if (key == "center_unembed") Assert.True(shift > 1e-2, $"center_unembed left the logits where they were ({shift:G3})");
            else Assert.True(shift < 1e-3, $"{key} moved the logits by {shift:G3}");
        }
    }

    [Fact]
    public void Fold_value_biases_keeps_every_attention_output_and_leaves_no_value_bias()
    {
        using var plain = Gpt2.Load(folder.Folder);
        using var folded = Gpt2.Load(folder.Folder, processing: new TlProcessing(FoldValueBiases: true));
        var hooks = Enumerable.Range(0, RandomGpt2.NLayer).SelectMany(l => new[] { HookName.AttnOut(l), HookName.V(l) }).ToArray();
        var (before, after) = Caches(plain, folded, RandomTokens, hooks);
        using (before)
        using (after)
        {
            for (var l = 0; l < RandomGpt2.NLayer; l++)
            {
                T.Close(before[HookName.AttnOut(l)], after[HookName.AttnOut(l)], 1e-4, $"{HookName.AttnOut(l)}");
                // v loses exactly b_V: the difference is the same vector at every position, and it is not zero.
                using var shift = before[HookName.V(l)] - after[HookName.V(l)];          // (B, T, nh, hs)
                using var first = shift.narrow(1, 0, 1).expand_as(shift);
                T.Close(first, shift, 1e-5, $"{HookName.V(l)} shift");
                Assert.True(T.Values(shift).Max(Math.Abs) > 1e-2);
            }
        }
    }

    [Fact]
    public void Hook_scale_is_the_layer_norms_divisor_and_fold_ln_leaves_a_centred_unit_normalised_output()
    {
        using var model = Gpt2.Load(folder.Folder, processing: new TlProcessing(FoldLn: true));
        using var noGrad = no_grad();
        using var tokens = T.Tokens(RandomTokens);
        var (logits, cache) = model.RunWithCache(tokens, [HookName.ResidPre(1), HookName.Ln1Scale(1), HookName.Ln1Normalized(1)]);
        using var _l = logits;
        using var _c = cache;
        using var scope = NewDisposeScope();
        var resid = cache[HookName.ResidPre(1)];                                           // (B, T, d)
        var scale = cache[HookName.Ln1Scale(1)];                                           // (B, T, 1)
        Assert.Equal([2L, RandomTokens[0].Length, 1], scale.shape);
        var centred = resid - resid.mean([-1], keepdim: true);
        var expected = (centred.pow(2).mean([-1], keepdim: true) + RandomGpt2.LayerNormEpsilon).sqrt();
        T.Close(expected, scale, 1e-5, "ln1.hook_scale");
        T.Close(centred / expected, cache[HookName.Ln1Normalized(1)], 1e-4, "ln1.hook_normalized after fold_ln (LNPre)");
    }

    [Fact]
    public void The_processed_unembedding_weight_turns_ln_final_output_into_the_logits_up_to_one_bias_per_token()
    {
        using var model = Gpt2.Load(folder.Folder, processing: TlProcessing.TransformerLensDefaults);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(RandomTokens);
        var (logits, cache) = model.RunWithCache(tokens, [HookName.LnFinalNormalized]);
        using var _l = logits;
        using var _c = cache;
        using var scope = NewDisposeScope();
        using var tied = model.TokenEmbedding;
        var unembedding = model.UnembeddingWeight;                                        // (V, d)
        Assert.True(T.MaxAbsDiff(tied, unembedding) > 1e-2, "processing left the unembedding tied to wte");
        var bias = logits! - cache[HookName.LnFinalNormalized].matmul(unembedding.t());  // (B, T, V): b_U at every position
        T.Close(bias[0, 0].expand_as(bias), bias, 1e-4, "logits − ln_final.hook_normalized · W_Uᵀ");
    }

    [Fact]
    public void A_model_is_processed_once()
    {
        using var model = Gpt2.Load(folder.Folder, processing: TlProcessing.TransformerLensDefaults);
        Assert.Equal(TlProcessing.TransformerLensDefaults, model.Processing);
        Assert.Throws<InvalidOperationException>(() => model.ApplyProcessing(new TlProcessing(FoldLn: true)));
    }

    /// <summary>Every hook that writes or is the residual stream, with all four steps against none.</summary>
    private static void AssertResidualStreamCentred(string modelFolder, long[][] rows)
    {
        using var plain = Gpt2.Load(modelFolder);
        using var processed = Gpt2.Load(modelFolder, processing: TlProcessing.TransformerLensDefaults);
        var hooks = new[] { HookName.Embed, HookName.PosEmbed }
            .Concat(Enumerable.Range(0, plain.Config.NLayer).SelectMany(l => new[]
                { HookName.ResidPre(l), HookName.AttnOut(l), HookName.ResidMid(l), HookName.MlpOut(l), HookName.ResidPost(l) }))
            .ToArray();
        var (before, after) = Caches(plain, processed, rows, hooks);
        using (before)
        using (after)
        {
            foreach (var hook in hooks)
            {
                using var scope = NewDisposeScope();
                var (x, y) = (before[hook], after[hook]);                                 // (B, T, d)
                var meanOverD = y.mean([-1]);                                              // (B, T)
                Assert.True(T.Values(meanOverD).Max(Math.Abs) < 1e-4, $"{hook}: mean over d_model {T.Values(meanOverD).Max(Math.Abs):G3}");
                T.Close(x - x.mean([-1], keepdim: true), y, 2e-3, $"{hook} against the unprocessed activation minus its mean");
            }
        }
    }

    private static (Tensor Plain, Tensor Processed) AssertSameLogSoftmax(string modelFolder, long[][] rows, TlProcessing processing)
    {
        using var plain = Gpt2.Load(modelFolder);
        using var processed = Gpt2.Load(modelFolder, processing: processing);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(rows);
        var (a, b) = (plain.Run(tokens), processed.Run(tokens));                         // (B, T, V)
        using var logA = F.log_softmax(a, -1);
        using var logB = F.log_softmax(b, -1);
        T.Close(logA, logB, 1e-3, $"log-softmax with {processing}");
        return (a, b);
    }

    private static (ActivationCache Plain, ActivationCache Processed) Caches(Gpt2 plain, Gpt2 processed, long[][] rows, HookName[] hooks)
    {
        using var noGrad = no_grad();
        using var tokens = T.Tokens(rows);
        var (la, a) = plain.RunWithCache(tokens, hooks, stopAtLastHook: true);
        var (lb, b) = processed.RunWithCache(tokens, hooks, stopAtLastHook: true);
        return (a, b);
    }
}
