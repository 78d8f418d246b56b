using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// The activation functions of the four architectures as pure functions of the pre-activations <c>pre [..., d_sae]</c>.
/// The JumpReLU pair carries a straight-through estimator for the threshold, built from ordinary autograd operations:
/// a term <c>c·(θ − stop_grad(θ))</c> is zero in value and has gradient <c>c</c> with respect to θ.
/// </summary>
public static class SaeActivations
{
    /// <summary>f = ReLU(pre).</summary>
    public static Tensor Relu(Tensor pre) => nn.functional.relu(pre);

    /// <summary>The <paramref name="k"/> largest entries of each row (last dimension), ReLU'd; zeros elsewhere.</summary>
    public static Tensor TopK(Tensor pre, int k)
    {
        using var scope = NewDisposeScope();
        var (values, indices) = pre.topk(k, dim: -1);
        return zeros_like(pre).scatter(-1, indices, nn.functional.relu(values)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// BatchTopK for training: over a batch <c>[B, d_sae]</c>, the <c>k·B</c> largest ReLU'd entries of the whole batch
    /// are kept (so rows keep k on average, more or fewer each); zeros elsewhere.
    /// </summary>
    public static Tensor BatchTopK(Tensor pre, int k)
    {
        if (pre.dim() != 2) throw new ArgumentException($"BatchTopK expects [batch, d_sae], got [{string.Join(", ", pre.shape)}]", nameof(pre));
        using var scope = NewDisposeScope();
        var acts = nn.functional.relu(pre);
        var flat = acts.flatten();
        var keep = (int)Math.Min(flat.shape[0], (long)k * pre.shape[0]);
        var (values, indices) = flat.topk(keep, dim: -1, sorted: false);
        return zeros_like(flat).scatter(-1, indices, values).view(pre.shape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inference with a threshold (JumpReLU, and BatchTopK after training): f = ReLU(pre)·H(pre − θ), θ broadcast over
    /// the last dimension. No gradient flows to θ.
    /// </summary>
    public static Tensor Threshold(Tensor pre, Tensor threshold)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mask = pre.gt(threshold.detach());
        return nn.functional.relu(pre).mul(mask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// JumpReLU for training: value pre·H(pre − θ); gradient to pre is H(pre − θ); gradient to θ is the straight-through
    /// estimate −(θ/ε)·K((pre − θ)/ε) with the rectangle kernel K(u) = 1{|u| &lt; ½} (Rajamanoharan et al. 2024, eq. 11).
    /// </summary>
    /// <param name="pre">pre-activations [B, d_sae].</param>
    /// <param name="threshold">θ [d_sae], positive, part of the graph (e.g. exp(log_threshold)).</param>
    /// <param name="bandwidth">ε, the kernel's width.</param>
    public static Tensor JumpRelu(Tensor pre, Tensor threshold, double bandwidth)
    {
        using var scope = NewDisposeScope();
        Tensor mask, thresholdGrad;
        using (no_grad())
        {
            var theta = threshold.detach();
            mask = pre.gt(theta).to_type(pre.dtype);
            thresholdGrad = -(theta / bandwidth) * Rectangle((pre.detach() - theta) / bandwidth);
        }
        return (pre * mask + thresholdGrad * (threshold - threshold.detach())).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The Heaviside step H(pre − θ) for the L0 penalty: no gradient to pre; gradient to θ is −(1/ε)·K((pre − θ)/ε).
    /// </summary>
    public static Tensor Step(Tensor pre, Tensor threshold, double bandwidth)
    {
        using var scope = NewDisposeScope();
        Tensor mask, thresholdGrad;
        using (no_grad())
        {
            var theta = threshold.detach();
            mask = pre.gt(theta).to_type(pre.dtype);
            thresholdGrad = -(1.0 / bandwidth) * Rectangle((pre.detach() - theta) / bandwidth);
        }
        return (mask + thresholdGrad * (threshold - threshold.detach())).MoveToOuterDisposeScope();
    }

    /// <summary>The smallest positive entry of <paramref name="latents"/> (the cutoff BatchTopK applied), or null when none is positive.</summary>
    public static float? MinimumPositive(Tensor latents)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var positive = latents.gt(0);
        if (!positive.any().item<bool>()) return null;
        return latents.masked_fill(positive.logical_not(), float.PositiveInfinity).min().item<float>();
    }

    /// <summary>K(u) = 1 where −½ &lt; u &lt; ½, else 0.</summary>
    public static Tensor Rectangle(Tensor u)
    {
        using var scope = NewDisposeScope();
        return u.gt(-0.5).logical_and(u.lt(0.5)).to_type(u.dtype).MoveToOuterDisposeScope();
    }
}
