using Interp.Core.Hooks;
using Interp.Model;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Records.Tests;

/// <summary>
/// Logit effects as Neuronpedia shows them: ln_f removes a direction's mean over d_model, and TransformerLens's
/// center_unembed takes the unembedding's mean over the vocabulary out (the fixture model: d_model 32, vocabulary 1000).
/// </summary>
public sealed class LogitEffectTests
{
    private const string ResidHook = "blocks.1.hook_resid_post";

    private static string Token(int id) => $"<{id}>";

    [Fact]
    public void A_direction_constant_over_d_model_has_no_logit_effect()
    {
        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        using var sae = SparseAutoencoder.Create(new SaeConfig
        {
            Architecture = SaeArchitecture.Relu, DIn = 32, DSae = 8, HookName = ResidHook, HookLayer = SaeConfig.LayerOf(ResidHook),
            ModelName = "tiny-random-gpt2",
        }, seed: 3);
        using (no_grad()) sae.DecoderWeight[0].fill_(0.7f);

        using var effects = UnitEffects.ForSae(model, sae, new HookName(ResidHook), Token, Build.Options());

        var other = effects.LogitEffect(1)!.Max(MathF.Abs);                               // a random decoder row's effect
        Assert.True(other > 1e-4f, $"{other}");
        Assert.All(effects.LogitEffect(0)!, v => Assert.True(MathF.Abs(v) <= 1e-4f * other, $"{v} vs {other}"));
    }

    [Fact]
    public void Shifting_every_tokens_unembedding_by_the_same_vector_changes_no_logit_effect()
    {
        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        float[] Effect()
        {
            using var effects = UnitEffects.ForNeurons(model, new HookName("blocks.1.mlp.hook_post"), 128, Token, Build.Options());
            return effects.LogitEffect(7)!;
        }
        var before = Effect();
        var wte = model.named_parameters().Single(p => p.name.EndsWith("wte.weight", StringComparison.Ordinal)).parameter;
        using (no_grad()) wte.add_(linspace(-3, 5, 32));                                   // [V, d] + [d]: a per-dimension offset

        var after = Effect();

        var scale = before.Max(MathF.Abs);
        Assert.True(scale > 1e-4f, $"{scale}");
        Assert.Equal(before, after, new Tolerance(1e-3f * scale));
        Assert.True(Math.Abs(before.Average(v => (double)v)) <= 1e-4 * scale, "the effect is centred over the vocabulary");
    }
}
