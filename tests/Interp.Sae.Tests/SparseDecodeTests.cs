using static TorchSharp.torch;

namespace Interp.Sae.Tests;

public sealed class SparseDecodeTests
{
    [Theory]
    [InlineData(96, 7)]             // over a fiftieth of the latents: the dense products
    [InlineData(2048, 8)]           // the sparse ones
    public void The_sparse_decoder_product_and_its_gradients_equal_the_dense_ones(int dSae, int k)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var pre = randn(300, dSae);                                                             // [B, d_sae]
        var (values, indices) = pre.topk(k, dim: -1);
        var decoderSparse = randn(dSae, 24).requires_grad_();
        var decoderDense = decoderSparse.detach().clone().requires_grad_();
        var valuesSparse = values.detach().clone().requires_grad_();
        var valuesDense = values.detach().clone().requires_grad_();
        var weights = randn(300, 24);

        var sparse = SparseDecode.Apply(valuesSparse, indices, decoderSparse);
        var dense = zeros(300, dSae).scatter(-1, indices, valuesDense).matmul(decoderDense);
        Assert.True(T.MaxAbsDifference(sparse, dense) < 1e-4f);

        (sparse * weights).sum().backward();
        (dense * weights).sum().backward();
        Assert.True(T.MaxAbsDifference(valuesSparse.grad!, valuesDense.grad!) < 1e-4f);
        Assert.True(T.MaxAbsDifference(decoderSparse.grad!, decoderDense.grad!) < 1e-4f);
    }

    [Fact]
    public void Wide_rows_are_decoded_in_chunks_with_the_same_result()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var (values, indices) = randn(70, 4096).topk(512, dim: -1);                              // 512 × 1024 floats a row: 32 rows a chunk
        var decoder = randn(4096, 1024);
        var sparse = SparseDecode.Apply(values, indices, decoder);
        var dense = zeros(70, 4096).scatter(-1, indices, values).matmul(decoder);
        Assert.True(T.MaxAbsDifference(sparse, dense) < 1e-3f);
    }

    [Theory]
    [InlineData(96)]                // dense products
    [InlineData(2048)]              // sparse ones
    public void Entries_shared_unevenly_between_rows_decode_and_backpropagate_as_the_dense_product(int dSae)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var pre = randn(40, dSae);
        var flat = pre.reshape(-1).topk(40 * 6).indexes;                                        // 6 a row on average, unevenly: BatchTopK's choice
        var (rows, columns) = (flat.div(dSae, rounding_mode: RoundingMode.floor), flat.remainder(dSae));
        var values = pre.reshape(-1).index_select(0, flat);
        var decoderSparse = randn(dSae, 24).requires_grad_();
        var decoderDense = decoderSparse.detach().clone().requires_grad_();
        var valuesSparse = values.detach().clone().requires_grad_();
        var valuesDense = values.detach().clone().requires_grad_();
        var batch = zeros(40, 24);
        var weights = randn(40, 24);

        var sparse = SparseDecode.ApplyEntries(valuesSparse, rows, columns, decoderSparse, batch);
        var dense = zeros(40 * dSae).index_put_(valuesDense, flat).view(40, dSae).matmul(decoderDense);
        Assert.True(T.MaxAbsDifference(sparse, dense) < 1e-4f);
        (sparse * weights).sum().backward();
        (dense * weights).sum().backward();
        Assert.True(T.MaxAbsDifference(valuesSparse.grad!, valuesDense.grad!) < 1e-4f);
        Assert.True(T.MaxAbsDifference(decoderSparse.grad!, decoderDense.grad!) < 1e-4f);
        Assert.True(rows.bincount(null, 40).max().item<long>() > 6);                                    // some row holds more than the mean
    }
}
