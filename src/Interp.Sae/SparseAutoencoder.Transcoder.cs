using Interp.Core;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// A transcoder is a <see cref="SparseAutoencoder"/> whose decoder writes another hook than the one it reads
/// (<see cref="SaeConfig.IsTranscoder"/>): SAELens's semantics (sae_lens/saes/transcoder.py),
/// <code>
///   f   = act(x W_enc + b_enc)             x [..., d_in] at hook_name (b_dec is never subtracted)
///   out = f W_dec + b_dec (+ x W_skipᵀ)     [..., d_out] at hook_name_out; W_skip only for the skip variants
/// </code>
/// <see cref="SparseAutoencoder.Decode"/> is f W_dec + b_dec alone; <see cref="Transcode"/> adds the skip term.
/// </summary>
public sealed partial class SparseAutoencoder
{
    /// <summary>d_out: the width the decoder writes (d_in for an SAE).</summary>
    public int DOut => _config.DOut;

    /// <summary>
    /// The output [..., d_out] for input x [..., d_in]: Decode(Encode(x)) + x·W_skipᵀ (the skip term only for a
    /// transcoder with a skip connection; for a plain SAE this is the reconstruction x̂).
    /// </summary>
    public Tensor Transcode(Tensor x)
    {
        using var scope = NewDisposeScope();
        var output = Decode(Encode(x));
        if (W_skip is not null) output = output + Skip(x);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>The skip term x·W_skipᵀ [..., d_out] (zeros for an SAE without one).</summary>
    public Tensor Skip(Tensor x)
    {
        CheckInputWidth(x);
        using var scope = NewDisposeScope();
        var input = x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32);
        if (W_skip is null) return zeros(x.shape[..^1].Append((long)DOut).ToArray(), device: x.device).MoveToOuterDisposeScope();
        return input.matmul(W_skip.t()).MoveToOuterDisposeScope();
    }

    /// <summary>What a training step reconstructs: the batch itself for an SAE, the paired target [B, d_out] for a transcoder.</summary>
    private Tensor TrainingTarget(SaeStepInput input)
    {
        var target = input.Target ?? input.X;
        if (target.dim() != 2 || target.shape[0] != input.X.shape[0] || target.shape[1] != DOut)
            throw new ArgumentException($"training targets are [batch, d_out={DOut}], got [{string.Join(", ", target.shape)}]", nameof(input));
        if (_config.IsTranscoder && input.Target is null)
            throw new InterpException($"{Describe()}: a transcoder trains on (input, target) pairs; this batch has no target");
        return target;
    }
}
