using Interp.Sae.Architectures;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

public sealed class SparseEncodeTests
{
    [Theory]
    [InlineData(40, 30, 500)]       // 500 draws of 1,200 cells: repeats; over a fiftieth filled, so ∂W_enc is a dense product
    [InlineData(8, 3000, 400)]      // 400 of 24,000: a sparse product, and still a few repeats
    public void Chosen_pre_activations_and_their_gradients_equal_a_dense_gather_even_with_repeated_entries(int batch, int dSae, int draws)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var (x, encoder, encoderBias, decoderBias) = (randn(batch, 12), randn(12, dSae).requires_grad_(), randn(dSae).requires_grad_(), randn(12).requires_grad_());
        var rows = randint(0, batch, [draws], dtype: ScalarType.Int64);
        var columns = randint(0, dSae, [draws], dtype: ScalarType.Int64);
        var weights = randn(draws);
        Assert.True((rows * dSae + columns).unique().Item1.shape[0] < draws);                  // some entries repeat

        var dense = (x - decoderBias).matmul(encoder) + encoderBias;                            // [B, d_sae]
        (dense.reshape(-1).index_select(0, rows * dSae + columns) * weights).sum().backward();
        var denseGrads = new[] { encoder, encoderBias, decoderBias }.Select(p => p.grad!.clone()).ToArray();
        foreach (var p in new[] { encoder, encoderBias, decoderBias }) p.grad!.zero_();

        Tensor pre;
        using (no_grad()) pre = (x - decoderBias).matmul(encoder) + encoderBias;
        var sparse = SparseEncode.Apply(pre, rows, columns, x, encoder, encoderBias, decoderBias);
        Assert.True(T.MaxAbsDifference(sparse, dense.detach().reshape(-1).index_select(0, rows * dSae + columns)) < 1e-5f);
        (sparse * weights).sum().backward();
        Assert.True(T.MaxAbsDifference(encoder.grad!, denseGrads[0]) < 1e-3f);
        Assert.True(T.MaxAbsDifference(encoderBias.grad!, denseGrads[1]) < 1e-3f);
        Assert.True(T.MaxAbsDifference(decoderBias.grad!, denseGrads[2]) < 1e-3f);
    }

    [Theory]
    [InlineData(SaeArchitecture.TopK, true, 160)]        // 160 latents: the entries fill over a fiftieth, the products go dense
    [InlineData(SaeArchitecture.TopK, false, 160)]
    [InlineData(SaeArchitecture.BatchTopK, true, 160)]
    [InlineData(SaeArchitecture.BatchTopK, false, 160)]
    [InlineData(SaeArchitecture.TopK, true, 2048)]       // 2,048: sparse products
    [InlineData(SaeArchitecture.BatchTopK, false, 2048)]
    public void A_step_with_AuxK_gives_the_dense_reference_loss_and_gradients_through_the_sparse_encoder(SaeArchitecture architecture, bool applyBDecToInput, int dSae)
    {
        using var scope = NewDisposeScope();
        var config = T.Config(architecture, dIn: 24, dSae: dSae, k: 6) with { ApplyBDecToInput = applyBDecToInput };
        using var sparse = SparseAutoencoder.Create(config, seed: 11);
        using var dense = SparseAutoencoder.Create(config, seed: 11);
        using (no_grad())
        {
            manual_seed(12);
            var (encoderBias, decoderBias) = (randn(dSae) * 0.3, randn(24) * 0.3);             // non-zero biases, so their gradients are tested
            foreach (var sae in new[] { sparse, dense }) { sae.EncoderBias.copy_(encoderBias); sae.DecoderBias.copy_(decoderBias); }
        }
        var x = T.RandomRows(96, 24, seed: 13);
        var deadMask = arange(dSae).remainder(3).eq(0);                                        // a third dead: AuxK's 16 per token among them

        var (sparseLoss, sparseLatents, sparseOut) = sparse.TrainingForward(new SaeStepInput(x) { DeadMask = deadMask, KAux = 16 });
        var (denseLoss, denseLatents, denseOut) = dense.TrainingForward(new SaeStepInput(x) { DeadMask = deadMask, KAux = 16, DenseEncoderBackward = true });
        Assert.True(sparseOut.AuxLoss > 0);
        Assert.Equal(denseOut.Loss, sparseOut.Loss, 1e-5);
        Assert.Equal(denseOut.L0, sparseOut.L0);
        Assert.True(T.MaxAbsDifference(sparseLatents.Dense(), denseLatents.Dense()) < 1e-5f);
        Assert.True(sparseLatents.Fired().eq(denseLatents.Fired()).all().item<bool>());               // the entries' bookkeeping is the dense one's
        Assert.Equal(denseLatents.MinimumPositive()!.Value, sparseLatents.MinimumPositive()!.Value, 1e-5f);
        sparseLoss.backward();
        denseLoss.backward();
        Assert.True(T.MaxAbsDifference(sparse.EncoderWeight.grad!, dense.EncoderWeight.grad!) < 1e-5f);
        Assert.True(T.MaxAbsDifference(sparse.EncoderBias.grad!, dense.EncoderBias.grad!) < 1e-5f);
        Assert.True(T.MaxAbsDifference(sparse.DecoderBias.grad!, dense.DecoderBias.grad!) < 1e-5f);
        Assert.True(T.MaxAbsDifference(sparse.DecoderWeight.grad!, dense.DecoderWeight.grad!) < 1e-5f);
        using var encoderGradNorm = dense.EncoderWeight.grad!.abs().max();
        Assert.True(encoderGradNorm.item<float>() > 1e-3f);                                    // the comparison is not of zeros
    }

    [Theory]
    [InlineData(SaeArchitecture.TopK)]
    [InlineData(SaeArchitecture.BatchTopK)]
    public void Thirty_training_steps_through_the_sparse_encoder_end_at_the_dense_reference_weights(SaeArchitecture architecture)
    {
        using var scope = NewDisposeScope();
        var config = T.Config(architecture, dIn: 24, dSae: 128, k: 5);
        using var sparse = SparseAutoencoder.Create(config, seed: 21);
        using var dense = SparseAutoencoder.Create(config, seed: 21);
        using var deadMask = arange(128).remainder(4).eq(0);
        foreach (var (sae, denseBackward) in new[] { (sparse, false), (dense, true) })
        {
            using var optimizer = optim.Adam(sae.TrainableParameters(), 1e-3);
            for (var step = 0; step < 30; step++)
            {
                using var stepScope = NewDisposeScope();
                optimizer.zero_grad();
                var (loss, _, _) = sae.TrainingForward(new SaeStepInput(T.RandomRows(64, 24, seed: 100 + step)) { DeadMask = deadMask, KAux = 12, DenseEncoderBackward = denseBackward });
                loss.backward();
                sae.RemoveParallelDecoderGradient();
                optimizer.step();
                sae.NormalizeDecoderRows();
            }
        }
        using var initial = SparseAutoencoder.Create(config, seed: 21);
        using var moved = (sparse.EncoderWeight - initial.EncoderWeight).abs().max();
        Assert.True(moved.item<float>() > 1e-2f);                                              // training changed the weights
        Assert.True(T.MaxAbsDifference(sparse.EncoderWeight, dense.EncoderWeight) < 1e-4f);
        Assert.True(T.MaxAbsDifference(sparse.EncoderBias, dense.EncoderBias) < 1e-4f);
        Assert.True(T.MaxAbsDifference(sparse.DecoderWeight, dense.DecoderWeight) < 1e-4f);
        Assert.True(T.MaxAbsDifference(sparse.DecoderBias, dense.DecoderBias) < 1e-4f);
    }

    [Theory]
    [InlineData(SaeArchitecture.TopK)]
    [InlineData(SaeArchitecture.BatchTopK)]
    public void Sparse_encoder_training_steps_leave_no_live_tensors_behind(SaeArchitecture architecture)
    {
        var config = T.Config(architecture, dIn: 16, dSae: 64, k: 4);
        using var sae = SparseAutoencoder.Create(config, seed: 3);
        using var x = T.RandomRows(32, 16, seed: 4);
        using var deadMask = arange(64).remainder(2).eq(0);
        void Step()
        {
            using var scope = NewDisposeScope();
            var (loss, _, _) = sae.TrainingForward(new SaeStepInput(x) { DeadMask = deadMask, KAux = 8 });
            loss.backward();
            foreach (var p in sae.TrainableParameters()) p.grad?.zero_();
        }
        Step();                                                                                 // gradients allocated once
        var before = T.LiveTensors;
        for (var i = 0; i < 3; i++) Step();
        Assert.Equal(before, T.LiveTensors);
    }

    [Theory]
    [InlineData(0.0)]      // no estimate yet: from each row's 4k largest
    [InlineData(0.05)]     // far below the cut: too many candidates, the same fallback
    [InlineData(-1.0)]     // the estimate near the cut (set from the data below): candidates above 0.9 of it
    [InlineData(50.0)]     // far above the cut: too few candidates, the same fallback
    public void BatchTopK_keeps_the_batch_s_largest_entries_whatever_its_running_threshold(double estimate)
    {
        using var scope = NewDisposeScope();
        var config = T.Config(SaeArchitecture.BatchTopK, dIn: 24, dSae: 160, k: 6);
        using var sae = SparseAutoencoder.Create(config, seed: 31);
        var x = T.RandomRows(96, 24, seed: 32);
        using var reference = SaeActivations.BatchTopK(sae.PreActivations(x), 6);              // [B, d_sae], dense
        var cut = SaeActivations.MinimumPositive(reference)!.Value;
        sae.SetThresholdEstimate(estimate < 0 ? cut * 1.02 : estimate);
        var (_, latents, _) = sae.TrainingForward(new SaeStepInput(x));
        Assert.True(T.MaxAbsDifference(latents.Dense(), reference) < 1e-5f);
        Assert.Equal(96 * 6, latents.Dense().gt(0).sum().item<long>());
    }
}
