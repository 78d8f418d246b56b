using Interp.Core;
using Interp.Core.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Circuits.Tests;

public sealed class ActivationPatchingTests
{
    // Clean and corrupt differ at positions 2 and 5 only; valid ids in both vocabularies.
    private static readonly int[] Clean = [50, 318, 257, 132, 286, 262, 11, 290, 340, 318];
    private static readonly int[] Corrupt = [50, 318, 611, 132, 286, 17, 11, 290, 340, 318];
    private const int Answer = 262, Wrong = 257;

    [Theory]
    [InlineData(Models.Embedded)]
    [InlineData(Models.Fixture)]
    public void Patching_the_first_residual_stream_where_the_tokens_agree_gives_exactly_0_and_the_final_one_at_the_last_position_exactly_1(string name)
    {
        using var model = Models.Load(name);
        var result = ActivationPatching.Run(model, Clean, Corrupt, Answer, Wrong, PatchTarget.ResidPre);
        Assert.Equal("resid_pre", result.Hook);
        Assert.Equal(model.Config.NLayer, result.Values.Length);
        Assert.All(result.Values, row => Assert.Equal(Clean.Length, row.Length));
        foreach (var p in new[] { 0, 1, 3, 4, 6, 9 }) Assert.Equal(0.0, result.Values[0][p]);
        Assert.NotEqual(0.0, result.Values[0][2]);
        Assert.Equal(1.0, result.FinalResidual![^1]);
        // Before the last position the final residual stream reaches no logit of the last position.
        Assert.All(result.FinalResidual[..^1], v => Assert.Equal(0.0, v));
        Assert.Null(result.HeadValues);
        var logits = Models.Logits(model, Clean);
        Assert.Equal(logits[^1][Answer] - logits[^1][Wrong], result.CleanDiff, 1e-3);
    }

    [Theory]
    [InlineData(PatchTarget.ResidPre, 1, 2, -1)]
    [InlineData(PatchTarget.AttnOut, 2, 5, -1)]
    [InlineData(PatchTarget.MlpOut, 0, 2, -1)]
    [InlineData(PatchTarget.MlpOut, 3, 9, -1)]
    [InlineData(PatchTarget.Z, 1, 5, -1)]
    [InlineData(PatchTarget.Z, 2, 9, 3)]
    [InlineData(PatchTarget.Z, 0, 2, 1)]
    public void Batched_patching_equals_one_patched_run_at_a_time_with_hooks(PatchTarget target, int layer, int position, int head)
    {
        using var model = Models.Load(Models.Embedded);
        var result = ActivationPatching.Run(model, Clean, Corrupt, Answer, Wrong, target);
        var batched = head < 0 ? result.Values[layer][position] : result.HeadValues![layer][position][head];

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var hook = ActivationPatching.Hook(target, layer);
        var (_, cache) = model.RunWithCache(Batch(Clean), [hook]);
        using (cache)
        {
            var clean = cache[hook];
            var patchedLogits = model.RunWithHooks(Batch(Corrupt), (hook, (activation, _) =>
            {
                var patched = activation.clone();
                if (head < 0) patched[0, position] = clean[0, position];
                else patched[0, position, head] = clean[0, position, head];
                return patched;
            }));
            var patchedDiff = (patchedLogits[0, -1, Answer] - patchedLogits[0, -1, Wrong]).item<float>();
            var expected = (patchedDiff - result.CorruptDiff) / (result.CleanDiff - result.CorruptDiff);
            Assert.True(Math.Abs(expected - batched) < 1e-3, $"{target} layer {layer} position {position} head {head}: batched {batched}, one at a time {expected}");
        }
        var corruptLogits = Models.Logits(model, Corrupt);
        Assert.Equal(corruptLogits[^1][Answer] - corruptLogits[^1][Wrong], result.CorruptDiff, 1e-3);
    }

    [Fact]
    public void Patching_z_gives_every_head_and_all_heads_at_once_which_is_patching_attn_out()
    {
        using var model = Models.Load(Models.Fixture);
        var z = ActivationPatching.Run(model, Clean, Corrupt, Answer, Wrong, PatchTarget.Z);
        var attnOut = ActivationPatching.Run(model, Clean, Corrupt, Answer, Wrong, PatchTarget.AttnOut);
        Assert.Equal("z", z.Hook);
        Assert.Equal(5, z.HeadValues!.Length);
        Assert.All(z.HeadValues, layer => Assert.All(layer, position => Assert.Equal(4, position.Length)));
        for (var l = 0; l < 5; l++)
            for (var p = 0; p < Clean.Length; p++) Assert.Equal(attnOut.Values[l][p], z.Values[l][p], 1e-4);
        Assert.Null(z.FinalResidual);
    }

    [Fact]
    public void Prompts_of_different_lengths_and_an_answer_equal_to_the_wrong_token_are_refused_with_one_line()
    {
        using var model = Models.Load(Models.Fixture);
        Assert.Equal("clean token ids (10 tokens) and corrupt token ids (9 tokens) must have the same length",
            Assert.Throws<InvalidOptionException>(() => ActivationPatching.Run(model, Clean, Corrupt[..9], Answer, Wrong, PatchTarget.ResidPre)).Message);
        Assert.Equal("answer token and wrong token are both 262: the logit difference needs two different tokens",
            Assert.Throws<InvalidOptionException>(() => ActivationPatching.Run(model, Clean, Corrupt, Answer, Answer, PatchTarget.ResidPre)).Message);
        Assert.StartsWith("clean token ids and corrupt token ids give the same logit difference",
            Assert.Throws<InvalidOptionException>(() => ActivationPatching.Run(model, Clean, Clean, Answer, Wrong, PatchTarget.MlpOut)).Message);
    }

    private static Tensor Batch(int[] ids) => tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
}
