using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

public sealed class LossTests
{
    [Fact]
    public void The_jumprelu_threshold_gradient_is_the_rectangle_kernel_estimate()
    {
        // θ = 1, ε = 0.2: pre-activations within (0.9, 1.1) of latent 0 count; each contributes −θ/ε = −5 (JumpReLU)
        // or −1/ε = −5 (step). Latent 1 has none in its window.
        using var pre = tensor(new float[] { 0.95f, 0.5f, 1.05f, 3f, 1.2f, 1.3f, 0.85f, 2f }, [4, 2]);
        using var threshold = tensor(new float[] { 1f, 1f }).requires_grad_(true);
        using var preLeaf = pre.clone().requires_grad_(true);

        using (var f = SaeActivations.JumpRelu(preLeaf, threshold, 0.2))
        {
            Assert.Equal([0f, 0f, 1.05f, 3f, 1.2f, 1.3f, 0f, 2f], T.ToArray(f));
            using var total = f.sum();
            total.backward();
        }
        Assert.Equal([-10f, 0f], T.ToArray(threshold.grad!));                                  // 0.95 and 1.05 lie in the window
        Assert.Equal([0f, 0f, 1f, 1f, 1f, 1f, 0f, 1f], T.ToArray(preLeaf.grad!));             // ∂f/∂pre = H(pre − θ)

        threshold.grad!.zero_();
        using (var l0 = SaeLosses.L0Penalty(pre, threshold, 0.2))
        {
            Assert.Equal(1.25, l0.item<float>(), 6);                                             // 5 active / 4 tokens
            l0.backward();
        }
        Assert.Equal([-2.5f, 0f], T.ToArray(threshold.grad!));                                 // (−5 × 2) / 4 tokens
    }

    [Fact]
    public void Batchtopk_keeps_k_times_batch_activations_across_the_batch()
    {
        using var pre = tensor(new float[] { 5, 4, 3, -1, 0.5f, 0.1f, 9, 8, 7, 6, 4.5f, -3 }, [3, 4]);
        using var f = SaeActivations.BatchTopK(pre, k: 2);                                      // the 6 largest of 12
        Assert.Equal([5f, 0f, 0f, 0f, 0f, 0f, 9f, 8f, 7f, 6f, 4.5f, 0f], T.ToArray(f));
        using var topk = SaeActivations.TopK(pre, k: 2);                                        // 2 per row
        Assert.Equal([5f, 4f, 0f, 0f, 0f, 0f, 9f, 8f, 7f, 6f, 0f, 0f], T.ToArray(topk));
    }

    [Fact]
    public void The_l1_penalty_weights_each_latent_by_its_decoder_row_norm()
    {
        using var latents = tensor(new float[] { 1, 2, 0, 4 }, [2, 2]);
        using var decoder = tensor(new float[] { 0, 2, 3, 0 }, [2, 2]);                          // row norms 2 and 3
        using var l1 = SaeLosses.WeightedL1(latents, decoder);
        Assert.Equal((1 * 2 + 2 * 3 + 4 * 3) / 2.0, l1.item<float>(), 5);
    }

    [Fact]
    public void Auxk_is_zero_without_dead_latents_and_trains_only_dead_ones()
    {
        using var x = T.RandomRows(8, 4, seed: 1);
        using var reconstruction = zeros(8, 4);
        using var pre = T.RandomRows(8, 6, seed: 2);
        using var decoder = T.RandomRows(6, 4, seed: 3).requires_grad_(true);
        using (var none = zeros(6, dtype: ScalarType.Bool))
        using (var zero = SaeLosses.AuxK(x - reconstruction, pre, none, decoder, kAux: 2))
            Assert.Equal(0f, zero.item<float>());

        using var dead = tensor(new[] { false, true, false, true, true, false });
        using var aux = SaeLosses.AuxK(x - reconstruction, pre, dead, decoder, kAux: 2);
        Assert.True(aux.item<float>() > 0);
        aux.backward();
        using var rowGradients = decoder.grad!.abs().sum(1);
        var g = T.ToArray(rowGradients);
        Assert.Equal(0f, g[0]);
        Assert.Equal(0f, g[2]);
        Assert.Equal(0f, g[5]);
        Assert.True(g[1] + g[3] + g[4] > 0);
    }

    [Fact]
    public void Auxk_is_the_dead_latents_error_on_the_residual_over_the_residual_variance_as_openai_computes_it()
    {
        // openai/sparse_autoencoder train.py: auxk_coef × normalized_mse(decode(auxk), x − x̂), normalized_mse being
        // mse(ê, e) / mse(mean(e), e). Two dead latents (0 and 2), k_aux = 2:
        // row 0 takes 0.5·W₀ (latent 2 is −1, ReLU'd to 0): ê₀ = (0.5, 0); row 1 takes 1·W₀ + 0.2·W₂: ê₁ = (1.2, 0.2).
        // Σ‖ê − e‖² = (0.25 + 4) + (3.24 + 0.04) = 7.53; ē = (2, 1), Σ‖e − ē‖² = 2 + 2 = 4; the loss is 7.53 / 4.
        using var residual = tensor(new float[] { 1, 2, 3, 0 }, [2, 2]);
        using var pre = tensor(new float[] { 0.5f, 2, -1, 1, 3, 0.2f }, [2, 3]);
        using var dead = tensor(new[] { true, false, true });
        using var decoder = tensor(new float[] { 1, 0, 0, 1, 1, 1 }, [3, 2]);
        using (var aux = SaeLosses.AuxK(residual, pre, dead, decoder, kAux: 2))
            Assert.Equal(7.53 / 4, aux.item<float>(), 5);
        using (var few = SaeLosses.AuxK(residual, pre, dead, decoder, kAux: 256))              // not scaled down when few are dead
            Assert.Equal(7.53 / 4, few.item<float>(), 5);
    }

    [Fact]
    public void Removing_the_parallel_gradient_keeps_each_step_tangent_to_the_unit_decoder_rows()
    {
        using var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu, dIn: 8, dSae: 12), seed: 1);
        using var x = T.RandomRows(16, 8, seed: 4);
        using var scope = NewDisposeScope();
        var (loss, _, _) = sae.TrainingForward(new SaeStepInput(x) { SparsityCoefficient = 1 });
        loss.backward();
        sae.RemoveParallelDecoderGradient();
        using var along = (sae.DecoderWeight.grad! * sae.DecoderWeight).sum(1).abs().max();
        Assert.True(along.item<float>() < 1e-5f);
    }

    [Fact]
    public void Explained_variance_is_one_minus_the_fraction_of_variance_unexplained()
    {
        using var x = tensor(new float[] { 1, 0, 2, 0, -1, 0, 0, 0 }, [4, 2]);
        using var reconstruction = tensor(new float[] { 1, 0, 2, 0, 0, 0, 0, 0 }, [4, 2]);
        Assert.Equal(0.8, SaeLosses.ExplainedVariance(x, reconstruction), 9);
        Assert.Equal(1.0, SaeLosses.ExplainedVariance(x, x), 12);
    }
}
