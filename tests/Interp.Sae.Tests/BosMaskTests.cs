using Interp.Core.Hooks;
using Interp.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Sae.Tests;

/// <summary>
/// eval-sae's spliced metrics on contexts that start with a BOS whose activation is an outlier (its embedding scaled by
/// 1,000 in the fixture model, as GPT-2's BOS activations are huge): as in SAELens's evals, the SAE is not spliced in at
/// the BOS and its position is left out of CE and KL.
/// </summary>
public sealed class BosMaskTests : IDisposable
{
    private const int Bos = 999, Contexts = 4, Ctx = 10;
    private static readonly HookName Hook = HookName.ResidPre(0);
    private readonly Gpt2 _model = Gpt2.Load(TestRepo.TinyRandomGpt2);
    private readonly Tensor _tokens = tensor(Enumerable.Range(0, Contexts * Ctx).Select(i => i % Ctx == 0 ? Bos : (long)(i * 37 % Bos)).ToArray(), [Contexts, Ctx]);

    public BosMaskTests()
    {
        using (no_grad()) _model.TokenEmbedding.narrow(0, Bos, 1).mul_(1000);
    }

    public void Dispose()
    {
        _tokens.Dispose();
        _model.Dispose();
    }

    // A ReLU SAE whose latent 0 fires at the BOS only (its encoder reads the BOS direction, with a bias of half the BOS norm)
    // and writes `bosWrite` there; every other latent and weight is the same whatever `bosWrite` is.
    private SparseAutoencoder Sae(float bosWrite)
    {
        var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu, dIn: 32, dSae: 64, hook: Hook.Name), seed: 9);
        var (_, cache) = _model.RunWithCache(_tokens, [Hook], stopAtLastHook: true);
        using (cache)
        using (no_grad())
        {
            var bos = cache[Hook][0, 0];                                                        // [32]
            var norm = bos.norm().item<float>();
            sae.EncoderWeight.narrow(1, 0, 1).copy_((bos / norm).unsqueeze(1));
            sae.EncoderBias.narrow(0, 0, 1).fill_(-norm / 2);
            using var direction = T.RandomRows(1, 32, seed: 4);
            sae.DecoderWeight.narrow(0, 0, 1).copy_(direction * bosWrite);
        }
        return sae;
    }

    [Fact]
    public void Ce_and_kl_leave_the_bos_position_out_and_do_not_change_with_what_the_sae_makes_of_the_bos()
    {
        using var quiet = Sae(0);
        using var loud = Sae(1000);

        var a = SaeEvaluator.EvaluateInModel(_model, quiet, _tokens, contextsPerBatch: 3, skipFirstPosition: true);
        var b = SaeEvaluator.EvaluateInModel(_model, loud, _tokens, contextsPerBatch: 3, skipFirstPosition: true);
        Assert.Equal(Contexts * (Ctx - 2), a.Tokens);                                          // positions 1 .. T-2 predict
        Assert.Equal(a.CeSae, b.CeSae, 6);
        Assert.Equal(a.KlDivergence, b.KlDivergence, 6);
        Assert.Equal(a.LossRecovered, b.LossRecovered, 6);

        double expectedClean;
        using (no_grad())
        using (var logits = _model.Run(_tokens))
        using (var loss = F.cross_entropy(logits.narrow(1, 1, Ctx - 2).reshape(-1, 1000), _tokens.narrow(1, 2, Ctx - 2).reshape(-1)))
            expectedClean = loss.item<float>();
        Assert.Equal(expectedClean, a.CeClean, 4);

        // Spliced in at the BOS too, what the SAE writes there reaches every later position.
        var everywhereQuiet = SaeEvaluator.EvaluateInModel(_model, quiet, _tokens, contextsPerBatch: 3);
        var everywhereLoud = SaeEvaluator.EvaluateInModel(_model, loud, _tokens, contextsPerBatch: 3);
        Assert.True(Math.Abs(everywhereLoud.KlDivergence - everywhereQuiet.KlDivergence) > 1e-2,
            $"KL {everywhereQuiet.KlDivergence} vs {everywhereLoud.KlDivergence}: the BOS should matter when it is spliced");
    }

    [Fact]
    public void Splicing_keeps_the_original_activation_at_the_bos_and_reconstructs_the_rest()
    {
        using var sae = Sae(1000);
        var (_, cache) = _model.RunWithCache(_tokens, [Hook], stopAtLastHook: true);
        using (cache)
        using (no_grad())
        {
            var x = cache[Hook];                                                                // [B, T, 32]
            var (_, keep) = SaeHooks.Splice(sae, keepFirstPosition: true);
            using var spliced = keep(x, Hook)!;
            Assert.Equal(0f, T.MaxAbsDifference(spliced.narrow(1, 0, 1), x.narrow(1, 0, 1)));
            using var rest = sae.Decode(sae.Encode(x.narrow(1, 1, Ctx - 1)));
            Assert.True(T.MaxAbsDifference(spliced.narrow(1, 1, Ctx - 1), rest) <= 1e-5f);

            var (_, everywhere) = SaeHooks.Splice(sae);
            using var plain = everywhere(x, Hook)!;
            Assert.True(T.MaxAbsDifference(plain.narrow(1, 0, 1), x.narrow(1, 0, 1)) > 100f, "the SAE should rewrite the BOS when spliced there");
        }
    }
}
