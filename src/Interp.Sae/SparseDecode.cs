using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Interp.Sae;

/// <summary>
/// The decoder product for latents with k non-zeros per row, given as (values, indices) <c>[B, k]</c>:
/// <c>out[b] = Σⱼ values[b, j] · W[indices[b, j]]</c>, <c>[B, d_in]</c>, without the bias. It equals
/// <c>dense(values, indices) · W</c> but costs <c>B·k·d_in</c> multiply-adds instead of <c>B·d_sae·d_in</c>, forward
/// and backward (∂values[b, j] = g[b]·W[indices[b, j]]; ∂W[i] = Σ over (b, j) with indices[b, j] = i of values[b, j]·g[b]).
/// Gradients flow to values and W, not to the indices. Rows are processed in chunks so that no <c>[B, k, d_in]</c>
/// tensor larger than about 64 MB is formed.
/// </summary>
public sealed class SparseDecode : SingleTensorFunction<SparseDecode>
{
    private const long ChunkElements = 16L << 20;                                               // 64 MB of float32

    /// <inheritdoc />
    public override string Name => nameof(SparseDecode);

    /// <summary>Σⱼ values[b, j] · decoder[indices[b, j]] for values, indices <c>[B, k]</c> and decoder <c>[d_sae, d_in]</c>.</summary>
    public static Tensor Apply(Tensor values, Tensor indices, Tensor decoder)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(decoder);
        if (values.dim() != 2 || !values.shape.SequenceEqual(indices.shape) || decoder.dim() != 2)
            throw new ArgumentException($"SparseDecode needs values and indices [B, k] and a decoder [d_sae, d_in]; got [{string.Join(", ", values.shape)}], " +
                                        $"[{string.Join(", ", indices.shape)}], [{string.Join(", ", decoder.shape)}]");
        return apply(values, indices, decoder);
    }

    /// <inheritdoc />
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (values, indices, decoder) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2]);
        ctx.save_for_backward([values, indices, decoder]);
        var (rows, k, d) = (values.shape[0], values.shape[1], decoder.shape[1]);
        var output = empty([rows, d], dtype: decoder.dtype, device: decoder.device);
        foreach (var (start, length) in Chunks(rows, k * d))
        {
            using var scope = NewDisposeScope();
            var gathered = Gather(decoder, indices.narrow(0, start, length));                   // [R, k, d]
            output.narrow(0, start, length).copy_(values.narrow(0, start, length).unsqueeze(1).bmm(gathered).squeeze(1));
        }
        return output;
    }

    /// <inheritdoc />
    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        var (values, indices, decoder) = (saved[0], saved[1], saved[2]);
        var (rows, k, d) = (values.shape[0], values.shape[1], decoder.shape[1]);
        var gradValues = empty([rows, k], dtype: values.dtype, device: values.device);
        var gradDecoder = zeros_like(decoder);
        var g = grad_output.contiguous();
        foreach (var (start, length) in Chunks(rows, k * d))
        {
            using var scope = NewDisposeScope();
            var chunkIndices = indices.narrow(0, start, length);
            var chunkGrad = g.narrow(0, start, length);                                          // [R, d]
            var gathered = Gather(decoder, chunkIndices);                                         // [R, k, d]
            gradValues.narrow(0, start, length).copy_(gathered.bmm(chunkGrad.unsqueeze(2)).squeeze(2));
            var contributions = values.narrow(0, start, length).unsqueeze(2) * chunkGrad.unsqueeze(1);   // [R, k, d]
            gradDecoder.index_add_(0, chunkIndices.reshape(-1), contributions.reshape(-1, d), 1);
        }
        return [gradValues, null!, gradDecoder];
    }

    private static Tensor Gather(Tensor decoder, Tensor indices) =>
        decoder.index_select(0, indices.reshape(-1)).view(indices.shape[0], indices.shape[1], decoder.shape[1]);

    private static IEnumerable<(long Start, long Length)> Chunks(long rows, long elementsPerRow)
    {
        var step = Math.Max(1, ChunkElements / Math.Max(1, elementsPerRow));
        for (long start = 0; start < rows; start += step) yield return (start, Math.Min(step, rows - start));
    }
}
