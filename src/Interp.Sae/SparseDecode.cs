using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Interp.Sae;

/// <summary>
/// The decoder product for latents with k non-zeros per row, given as (values, indices) <c>[B, k]</c>:
/// <c>out[b] = Σⱼ values[b, j] · W[indices[b, j]]</c>, <c>[B, d_in]</c>, without the bias. It equals
/// <c>dense(values, indices) · W</c> but costs <c>B·k·d_in</c> multiply-adds instead of <c>B·d_sae·d_in</c>, forward
/// and backward (∂values[b, j] = g[b]·W[indices[b, j]]; ∂W[i] = Σ over (b, j) with indices[b, j] = i of values[b, j]·g[b]).
/// Gradients flow to values and W, not to the indices. The forward and ∂W are sparse-COO × dense products (libtorch's
/// sparse mm: at B 4,096, k 32, d_in 768 and d_sae 16,384, 0.09 s and 0.13 s here against 0.39 s and about 0.5 s for
/// gathering the rows and multiplying); ∂values gathers W's rows a few rows of the batch at a time, so the gathered
/// block stays in cache.
/// </summary>
public sealed class SparseDecode : SingleTensorFunction<SparseDecode>
{
    private const long ChunkElements = 1L << 20;                                                // 4 MB of float32: cache-sized

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

    /// <summary>
    /// The same product for latents given as N entries (any number a row): <c>out[b] = Σ over n with rows[n] = b of
    /// values[n] · W[columns[n]]</c>, <c>[B, d_in]</c> with B the rows of <paramref name="batch"/> (the input batch,
    /// for its shape only). BatchTopK's k·B choices, which rows share unevenly.
    /// </summary>
    public static Tensor ApplyEntries(Tensor values, Tensor rows, Tensor columns, Tensor decoder, Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(batch);
        if (values.dim() != 1 || !values.shape.SequenceEqual(rows.shape) || !values.shape.SequenceEqual(columns.shape) || decoder.dim() != 2)
            throw new ArgumentException($"SparseDecode needs values, rows and columns [N] and a decoder [d_sae, d_in]; got [{string.Join(", ", values.shape)}], " +
                                        $"[{string.Join(", ", rows.shape)}], [{string.Join(", ", columns.shape)}], [{string.Join(", ", decoder.shape)}]");
        return apply(values, columns, decoder, rows, batch);
    }

    /// <inheritdoc />
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (values, columns, decoder) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2]);
        // Outside this method's scope: a saved tensor must outlive forward (it goes to the caller's scope).
        var (batchRows, rowOfEntry) = vars.Length > 3
            ? (((Tensor)vars[4]).shape[0], (Tensor)vars[3])
            : (values.shape[0], arange(values.shape[0], dtype: ScalarType.Int64, device: values.device).repeat_interleave(values.shape[1]));   // [B·k]
        ctx.save_for_backward([values, columns, decoder, rowOfEntry]);
        using var scope = NewDisposeScope();
        return Latents(values, columns, rowOfEntry, batchRows, decoder.shape[0]).mm(decoder.detach()).MoveToOuterDisposeScope();   // [B, d_in]
    }

    /// <summary>
    /// True when the entries fill more than a fiftieth of the [B, d_sae] latents (AuxK's k_aux = d_in/2 of mostly dead
    /// latents, a small d_sae): a dense product of the whole matrix is then faster than the sparse one (measured here:
    /// the sparse products cost about fifty times a dense multiply-add each).
    /// </summary>
    internal static bool DenseIsFaster(long entries, long rows, long dSae) => entries * 50 > rows * dSae;

    /// <summary>The latents [B, d_sae] with the entries' values: sparse COO, or dense when that is faster.</summary>
    private static Tensor Latents(Tensor values, Tensor columns, Tensor rowOfEntry, long rows, long dSae)
    {
        var (flatValues, flatColumns) = (values.detach().reshape(-1), columns.reshape(-1));
        if (DenseIsFaster(flatValues.shape[0], rows, dSae))
            return zeros(rows * dSae, dtype: values.dtype, device: values.device)
                .index_add_(0, rowOfEntry * dSae + flatColumns, flatValues, 1).view(rows, dSae);   // add: as the sparse product sums repeats
        return sparse_coo_tensor(stack([rowOfEntry, flatColumns]), flatValues, [rows, dSae], dtype: values.dtype, device: values.device);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        var (values, columns, decoder, rowOfEntry) = (saved[0], saved[1], saved[2].detach(), saved[3]);
        var d = decoder.shape[1];
        var g = grad_output.contiguous();                                                        // [B, d_in]
        var (rows, dSae) = (g.shape[0], decoder.shape[0]);
        if (DenseIsFaster(values.numel(), rows, dSae))
        {
            Tensor denseDecoder, denseValues;
            using (var scope = NewDisposeScope())
            {
                var latents = Latents(values, columns, rowOfEntry, rows, dSae);                  // [B, d_sae], dense
                denseDecoder = latents.t().mm(g).MoveToOuterDisposeScope();                      // [d_sae, d_in]
                denseValues = g.mm(decoder.t()).reshape(-1).index_select(0, rowOfEntry * dSae + columns.reshape(-1))
                    .view_as(values).MoveToOuterDisposeScope();                                  // (g·Wᵀ) at the entries
            }
            return values.dim() == 2 ? [denseValues, null!, denseDecoder] : [denseValues, null!, denseDecoder, null!, null!];
        }
        Tensor gradDecoder;
        using (var scope = NewDisposeScope())
        {
            var latentsT = sparse_coo_tensor(stack([columns.reshape(-1), rowOfEntry]), values.detach().reshape(-1),
                                             [dSae, rows], dtype: values.dtype, device: values.device);   // [d_sae, B]
            gradDecoder = latentsT.mm(g).MoveToOuterDisposeScope();                              // [d_sae, d_in]
        }
        var gradValues = empty_like(values);
        if (values.dim() == 2)
        {
            var k = values.shape[1];
            foreach (var (start, length) in Chunks(values.shape[0], k * d))
            {
                using var scope = NewDisposeScope();
                var gathered = Gather(decoder, columns.narrow(0, start, length));               // [R, k, d]
                gradValues.narrow(0, start, length).copy_(gathered.bmm(g.narrow(0, start, length).unsqueeze(2)).squeeze(2));
            }
            return [gradValues, null!, gradDecoder];
        }
        foreach (var (start, length) in Chunks(values.shape[0], 2 * d))                          // entries: W's row · g's row
        {
            using var scope = NewDisposeScope();
            var weights = decoder.index_select(0, columns.narrow(0, start, length));            // [n, d]
            var gradients = g.index_select(0, rowOfEntry.narrow(0, start, length));             // [n, d]
            gradValues.narrow(0, start, length).copy_((weights * gradients).sum(1));
        }
        return [gradValues, null!, gradDecoder, null!, null!];
    }

    private static Tensor Gather(Tensor decoder, Tensor indices) =>
        decoder.index_select(0, indices.reshape(-1)).view(indices.shape[0], indices.shape[1], decoder.shape[1]);

    private static IEnumerable<(long Start, long Length)> Chunks(long rows, long elementsPerRow)
    {
        var step = Math.Max(1, ChunkElements / Math.Max(1, elementsPerRow));
        for (long start = 0; start < rows; start += step) yield return (start, Math.Min(step, rows - start));
    }
}
