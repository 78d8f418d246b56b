using Interp.Core;
using Interp.Core.Hooks;
using static TorchSharp.torch;

namespace Interp.Model.Tests;

/// <summary>
/// <see cref="Gpt2Config.WidthOf"/> and <see cref="Gpt2Config.IsPerToken"/> answer from the config alone; here they are
/// checked against the shapes a real forward pass gives, for every hook name of the model (the approved listing's hooks).
/// </summary>
public sealed class HookWidthTests
{
    [Fact]
    public void The_fixture_models_config_gives_every_hooks_width_as_a_forward_pass_does()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        AssertWidthsMatchForwardPass(model);
    }

    [Fact]
    public void A_model_whose_mlp_width_is_not_four_times_d_model_gets_n_inner_for_its_mlp_hooks()
    {
        using var model = new Gpt2(new Gpt2Config(VocabSize: 64, NPositions: 16, NEmbd: 24, NLayer: 2, NHead: 3, NInner: 40));
        AssertWidthsMatchForwardPass(model);
        Assert.Equal(40, model.Config.WidthOf(HookName.MlpPost(1)));
        Assert.Equal(24, model.Config.WidthOf(HookName.Z(0)));
    }

    [Fact]
    public void Attention_scores_patterns_and_hooks_the_model_lacks_are_one_clear_error()
    {
        var config = new Gpt2Config(NLayer: 2);
        Assert.False(Gpt2Config.IsPerToken(HookName.Pattern(0)));
        Assert.False(Gpt2Config.IsPerToken(HookName.AttnScores(1)));
        Assert.True(Gpt2Config.IsPerToken(HookName.Z(1)));
        var pattern = Assert.Throws<InterpException>(() => config.WidthOf(HookName.Pattern(1)));
        Assert.Equal("hook blocks.1.attn.hook_pattern is not one vector per token (attention scores and patterns are [batch, n_head, position, position]); pick a per-token hook",
            pattern.Message);
        var missing = Assert.Throws<InterpException>(() => config.WidthOf(HookName.ResidPre(2)));
        Assert.StartsWith("unknown hook name 'blocks.2.hook_resid_pre'", missing.Message);
        Assert.DoesNotContain('\n', missing.Message);
    }

    /// <summary>One forward pass over a 1×3 input; each hook's config answer against the shape it captured.</summary>
    private static void AssertWidthsMatchForwardPass(Gpt2 model)
    {
        const int tokens = 3;
        using var noGrad = no_grad();
        using var input = zeros([1, tokens], ScalarType.Int64);
        var (logits, cache) = model.RunWithCache(input);
        using var _ = cache;
        using var _l = logits;
        var hooks = HookName.All(model.Config.NLayer).ToArray();
        Assert.Equal(model.HookPoints.Keys, hooks.Select(h => h.Name));
        foreach (var hook in hooks)
        {
            var shape = cache[hook].shape;
            if (Gpt2Config.IsPerToken(hook))
            {
                Assert.True(shape.Length >= 3 && shape[0] == 1 && shape[1] == tokens, $"{hook}: [{string.Join(", ", shape)}]");
                Assert.Equal(shape.Skip(2).Aggregate(1L, (a, b) => a * b), model.Config.WidthOf(hook));
            }
            else
            {
                Assert.Equal([1L, model.Config.NHead, tokens, tokens], shape);
                Assert.Throws<InterpException>(() => model.Config.WidthOf(hook));
            }
        }
    }
}
