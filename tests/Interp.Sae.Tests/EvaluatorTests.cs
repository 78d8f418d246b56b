using Interp.Core;
using Interp.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Sae.Tests;

public sealed class EvaluatorTests
{
    [Fact]
    public void Loss_recovered_is_the_share_of_the_zero_ablation_gap_the_sae_closes()
    {
        Assert.Equal(0.75, SaeEvaluator.LossRecovered(ceClean: 2.0, ceSae: 2.5, ceZeroAblation: 4.0), 12);
        Assert.Equal(1.0, SaeEvaluator.LossRecovered(3.1, 3.1, 7.0), 12);
        Assert.Equal(0.0, SaeEvaluator.LossRecovered(3.1, 7.0, 7.0), 12);
        Assert.Equal(-0.5, SaeEvaluator.LossRecovered(2.0, 5.0, 4.0), 12);                      // worse than ablation
        Assert.True(double.IsNaN(SaeEvaluator.LossRecovered(2.0, 2.5, 2.0)));
    }

    [Fact]
    public void Activation_metrics_match_a_hand_computation()
    {
        // Identity encoder and decoder, no biases: f = ReLU(x), x̂ = ReLU(x).
        using var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu, dIn: 2, dSae: 2));
        using (no_grad())
        {
            using var identity = eye(2);
            sae.EncoderWeight.copy_(identity);
            sae.DecoderWeight.copy_(identity);
        }
        // Rows (1,0), (2,0), (−1,0), (0,0): latent 0 fires on 2 of 4 tokens, latent 1 never; only row 3 is lost (error 1).
        float[][] batches = [[1, 0, 2, 0], [-1, 0, 0, 0]];
        var m = SaeEvaluator.Evaluate(sae, batches);
        Assert.Equal(4, m.Tokens);
        Assert.Equal(0.5, m.L0, 12);                                                            // 2 active / 4 tokens
        Assert.Equal(1.0 / 8, m.Mse, 12);                                                       // 1 / (4 tokens × 2 dims)
        Assert.Equal(0.2, m.Fvu, 12);                                                           // 1 / Σ‖x − (0.5, 0)‖² = 1 / 5
        Assert.Equal(0.8, m.ExplainedVariance, 12);
        Assert.Equal([0.5, 0.0], m.Density);
        Assert.Equal(1, m.DeadLatents);
        Assert.Equal(1, m.DenseLatents);                                                        // 0.5 > 10%
        Assert.Equal(1, m.Histogram.Dead);
        Assert.Equal(1, m.Histogram.Counts.Sum());
        var bin = Array.IndexOf(m.Histogram.Counts, 1);
        Assert.InRange(Math.Log10(0.5), m.Histogram.BinEdges[bin], m.Histogram.BinEdges[bin + 1]);
    }

    [Fact]
    public void The_density_histogram_bins_log10_densities_and_counts_dead_latents_apart()
    {
        var h = SaeEvaluator.Histogram([0, 1e-9, 1e-3, 0.0015, 0.5, 1.0]);
        Assert.Equal(17, h.BinEdges.Length);
        Assert.Equal(-8, h.BinEdges[0]);
        Assert.Equal(0, h.BinEdges[^1]);
        Assert.Equal(1, h.Dead);
        Assert.Equal(1, h.Counts[0]);                                                           // 1e-9 clamps into the first bin
        Assert.Equal(2, h.Counts[10]);                                                          // [−3, −2.5): 1e-3 and 1.5e-3
        Assert.Equal(2, h.Counts[15]);                                                          // [−0.5, 0]: 0.5 and 1
    }

    [Fact]
    public void In_the_model_the_clean_loss_matches_the_plain_cross_entropy_and_the_parts_are_consistent()
    {
        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        using var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.TopK, dIn: 32, dSae: 64, k: 8, hook: "blocks.3.hook_resid_pre"), seed: 2);
        using var tokens = tensor(Enumerable.Range(0, 3 * 10).Select(i => (long)(i * 37 % 1000)).ToArray(), [3, 10]);

        var m = SaeEvaluator.EvaluateInModel(model, sae, tokens, contextsPerBatch: 2, rowsPerChunk: 7);

        double expectedClean;
        using (no_grad())
        using (var logits = model.Run(tokens))
        using (var loss = F.cross_entropy(logits.narrow(1, 0, 9).reshape(-1, 1000), tokens.narrow(1, 1, 9).reshape(-1)))
            expectedClean = loss.item<float>();
        Assert.Equal(27, m.Tokens);
        Assert.Equal(expectedClean, m.CeClean, 4);
        Assert.Equal((m.CeZeroAblation - m.CeSae) / (m.CeZeroAblation - m.CeClean), m.LossRecovered, 9);
        Assert.True(m.KlDivergence > 0, $"KL {m.KlDivergence}");
        Assert.NotEqual(m.CeClean, m.CeZeroAblation);
    }

    [Fact]
    public void Evaluating_in_the_model_needs_contexts_of_two_tokens_or_more()
    {
        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        using var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu, dIn: 32));
        using var tokens = tensor(new long[] { 1, 2 }, [2, 1]);
        Assert.Throws<InterpException>(() => SaeEvaluator.EvaluateInModel(model, sae, tokens));
    }
}
