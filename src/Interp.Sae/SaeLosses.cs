using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// The SAE training losses and metrics as small pure functions of tensors (rows are tokens, <c>[B, ·]</c>). Every loss
/// is a mean over the batch of a per-token sum, as in SAELens; inputs are in the normalised units the SAE trains in.
/// </summary>
public static class SaeLosses
{
    /// <summary>Reconstruction: mean over tokens of ‖x̂ − x‖² (summed over d_in).</summary>
    public static Tensor Mse(Tensor x, Tensor reconstruction)
    {
        using var scope = NewDisposeScope();
        return (reconstruction - x).pow(2).sum(-1).mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Anthropic's sparsity penalty: mean over tokens of Σᵢ fᵢ·‖W_dec[i]‖ (L1 of the latents weighted by decoder row norms,
    /// so shrinking a decoder row cannot buy sparsity). Multiply by the L1 coefficient.
    /// </summary>
    /// <param name="latents">f [B, d_sae], non-negative.</param>
    /// <param name="decoder">W_dec [d_sae, d_in].</param>
    public static Tensor WeightedL1(Tensor latents, Tensor decoder)
    {
        using var scope = NewDisposeScope();
        var rowNorms = decoder.norm(1);                                             // [d_sae]
        return (latents * rowNorms).sum(-1).mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// JumpReLU's sparsity penalty: mean over tokens of the number of active latents Σᵢ H(preᵢ − θᵢ), with the
    /// straight-through gradient to θ of <see cref="SaeActivations.Step"/>. Multiply by the L0 coefficient.
    /// </summary>
    public static Tensor L0Penalty(Tensor pre, Tensor threshold, double bandwidth)
    {
        using var scope = NewDisposeScope();
        return SaeActivations.Step(pre, threshold, bandwidth).sum(-1).mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// AuxK in Gao et al.'s form (2024, appendix A.2; openai/sparse_autoencoder train.py, <c>normalized_mse</c> in
    /// kernels.py): the top-<paramref name="kAux"/> dead latents (by pre-activation, ReLU'd) reconstruct the main
    /// reconstruction's error e = x − x̂ through the decoder (no bias); the loss is Σ‖ê − e‖² / Σ‖e − ē‖² over the batch
    /// (ē the batch mean of e), the squared error normalised by the residual's variance, so its weight neither fades as
    /// the reconstruction improves nor depends on the input's scale. Zero when no latent is dead or the residual has no
    /// variance. Multiply by the AuxK coefficient (1/32 in the paper). SAELens instead takes the unnormalised mean over
    /// tokens of ‖ê − e‖² with coefficient 1.
    /// </summary>
    /// <param name="residual">e = x − x̂ [B, d_in]; detached inside (the error is a target, not a path for gradients).</param>
    /// <param name="pre">pre-activations [B, d_sae].</param>
    /// <param name="deadMask">bool [d_sae]: latents that have not fired recently.</param>
    /// <param name="decoder">W_dec [d_sae, d_in].</param>
    /// <param name="kAux">how many dead latents each token may use.</param>
    /// <param name="preAt">the pre-activations at chosen indices [B, k] with their gradient (a sparse encoder backward);
    /// null takes them from <paramref name="pre"/>.</param>
    public static Tensor AuxK(Tensor residual, Tensor pre, Tensor deadMask, Tensor decoder, int kAux, Func<Tensor, Tensor>? preAt = null)
    {
        using var scope = NewDisposeScope();
        var dead = deadMask.sum().item<long>();
        if (dead == 0 || kAux <= 0) return zeros(Array.Empty<long>(), dtype: pre.dtype, device: pre.device).MoveToOuterDisposeScope();
        var target = residual.detach();
        var variance = (double)(target - target.mean([0], keepdim: true)).pow(2).sum().item<float>();    // a constant: e is detached
        if (!(variance > 0)) return zeros(Array.Empty<long>(), dtype: pre.dtype, device: pre.device).MoveToOuterDisposeScope();
        // OpenAI zeroes the live latents' pre-activations and keeps the top k_aux; with fewer dead than k_aux the extra
        // picks are zeros, so taking the top min(k_aux, dead) of the dead is the same sum, and nothing is scaled down.
        var k = (int)Math.Min(kAux, dead);
        var deadPre = pre.masked_fill(deadMask.logical_not(), float.NegativeInfinity);  // [B, d_sae]
        var (values, indices) = deadPre.topk(k, dim: -1);                                // [B, k]
        if (preAt is not null) values = preAt(indices);                                  // dead entries only: never −∞
        var errorEstimate = SparseDecode.Apply(nn.functional.relu(values), indices, decoder);   // [B, d_in]
        return ((errorEstimate - target).pow(2).sum() / variance).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Explained variance of a batch: 1 − FVU with FVU = Σ‖x − x̂‖² / Σ‖x − mean(x)‖² (sums over tokens and dimensions;
    /// the mean is over the batch's tokens). 1 is perfect; 0 is no better than predicting the mean.
    /// </summary>
    public static double ExplainedVariance(Tensor x, Tensor reconstruction)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x64 = x.detach().to_type(ScalarType.Float64);
        var error = (reconstruction.detach().to_type(ScalarType.Float64) - x64).pow(2).sum().item<double>();
        var total = (x64 - x64.mean([0], keepdim: true)).pow(2).sum().item<double>();
        return total > 0 ? 1 - error / total : double.NaN;
    }

    /// <summary>Mean number of non-zero latents per token.</summary>
    public static double L0(Tensor latents)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = latents.numel() / latents.shape[^1];
        // count_nonzero, not gt(0).sum(): summing a [B, d_sae] bool mask took 0.2 s a step at B 4,096, d_sae 16,384.
        // Activations are never negative (ReLU, ReLU'd top-k, thresholds), so non-zero is positive.
        return rows == 0 ? 0 : latents.detach().count_nonzero().item<long>() / (double)rows;
    }
}
