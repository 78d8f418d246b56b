using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// The latents of one training step, detached: dense f [B, d_sae], or for the architectures that encode sparsely
/// (topk, batchtopk) only the chosen entries: values [B, k] at columns indices [B, k] (topk), or N entries values [N] at
/// (rows [N], columns [N]) (batchtopk, whose rows keep different numbers).
/// The step's bookkeeping (L0, which latents fired, BatchTopK's smallest kept value) reads the entries directly:
/// at B 4,096 and d_sae 16,384 a dense copy is 268 MB written, then read twice, every step.
/// The tensors belong to the dispose scope that was current when the step ran.
/// </summary>
public sealed class SaeStepLatents
{
    private readonly Tensor? _dense;
    private readonly Tensor? _values;
    private readonly Tensor? _indices;
    private readonly Tensor? _rows;

    /// <summary>Latents given densely, f [B, d_sae].</summary>
    public SaeStepLatents(Tensor dense)
    {
        ArgumentNullException.ThrowIfNull(dense);
        _dense = dense.detach();
        (Rows, DSae) = (dense.shape[0], dense.shape[1]);
    }

    /// <summary>Latents given as entries: <paramref name="values"/> [B, w] at columns <paramref name="indices"/> [B, w] of d_sae.</summary>
    public SaeStepLatents(Tensor values, Tensor indices, long dSae)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(indices);
        (_values, _indices) = (values.detach(), indices);
        (Rows, DSae) = (values.shape[0], dSae);
    }

    /// <summary>Latents given as N entries: <paramref name="values"/> [N] at (<paramref name="rows"/>, <paramref name="columns"/>) of [B, d_sae].</summary>
    public SaeStepLatents(Tensor values, Tensor rows, Tensor columns, long batchRows, long dSae)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        (_values, _rows, _indices) = (values.detach(), rows, columns);
        (Rows, DSae) = (batchRows, dSae);
    }

    /// <summary>The tensors held, to move out of a dispose scope with the latents.</summary>
    internal IEnumerable<Tensor> Tensors => new[] { _dense, _values, _indices, _rows }.OfType<Tensor>();

    /// <summary>B.</summary>
    public long Rows { get; }

    /// <summary>d_sae.</summary>
    public long DSae { get; }

    /// <summary>f [B, d_sae] (a new tensor when the latents are entries).</summary>
    public Tensor Dense()
    {
        if (_dense is not null) return _dense;
        using var noGrad = no_grad();
        if (_rows is not null)
        {
            using var scope = NewDisposeScope();
            return zeros(Rows * DSae, dtype: _values!.dtype, device: _values.device)
                .index_add_(0, _rows * DSae + _indices!, _values, 1).view(Rows, DSae).MoveToOuterDisposeScope();
        }
        return zeros([Rows, DSae], dtype: _values!.dtype, device: _values.device).scatter_add_(-1, _indices!, _values);
    }

    /// <summary>bool [d_sae]: the latents positive on at least one row.</summary>
    public Tensor Fired()
    {
        using var noGrad = no_grad();
        if (_dense is not null) return _dense.gt(0).any(0);
        using var scope = NewDisposeScope();
        var columns = _indices!.masked_select(_values!.gt(0));                                    // [active entries]
        return zeros(DSae, dtype: ScalarType.Bool, device: _values.device).index_fill_(0, columns, true).MoveToOuterDisposeScope();
    }

    /// <summary>Mean number of positive latents per row.</summary>
    public double L0()
    {
        if (_dense is not null) return SaeLosses.L0(_dense);
        using var noGrad = no_grad();
        return Rows == 0 ? 0 : _values!.gt(0).sum().item<long>() / (double)Rows;
    }

    /// <summary>The smallest positive latent of the step, or null when none is positive.</summary>
    public float? MinimumPositive() => SaeActivations.MinimumPositive(_dense ?? _values!);
}
