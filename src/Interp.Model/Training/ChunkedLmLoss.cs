using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Model.Training;

/// <summary>
/// Next-token cross-entropy computed over row chunks of the (N, V) logits, so no full B×T×V tensor (hundreds of MB for
/// GPT-2's 50,257-way output) is ever held: each chunk's logits and gradient fit under the allocator's reuse threshold.
/// </summary>
public static class ChunkedLmLoss
{
    /// <summary>Rows per chunk: 128 × 50,257 floats ≈ 25 MB, below glibc's largest mmap threshold (32 MB).</summary>
    public const int ChunkRows = 128;

    /// <summary>
    /// Mean loss over all positions; backpropagates through the LM head chunk by chunk and then once through the trunk.
    /// </summary>
    /// <param name="hidden">final normalised residual stream (B, T, d), part of the autograd graph.</param>
    /// <param name="unembedding">the tied embedding matrix (V, d).</param>
    /// <param name="targets">next-token ids (B, T).</param>
    public static double ForwardBackward(Tensor hidden, Tensor unembedding, Tensor targets)
    {
        var rows = hidden.shape[0] * hidden.shape[1];
        using var flatHidden = hidden.detach().reshape(rows, -1).requires_grad_(true);  // (N, d), a leaf
        using var flatTargets = targets.reshape(rows);                                   // (N)
        var total = 0.0;
        for (long start = 0; start < rows; start += ChunkRows)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(ChunkRows, rows - start);
            var logits = F.linear(flatHidden.narrow(0, start, length), unembedding);        // (C, V)
            var loss = F.cross_entropy(logits, flatTargets.narrow(0, start, length), reduction: nn.Reduction.Sum) / rows;
            loss.backward();                                                                 // accumulates into unembedding.grad and flatHidden.grad
            total += loss.item<float>();
        }
        using var hiddenGrad = flatHidden.grad!.view(hidden.shape);
        hidden.backward([hiddenGrad]);
        return total;
    }

    /// <summary>Summed loss without gradients, in the same chunks (for evaluation).</summary>
    public static double Sum(Tensor hidden, Tensor unembedding, Tensor targets)
    {
        var rows = hidden.shape[0] * hidden.shape[1];
        using var noGrad = no_grad();
        using var flatHidden = hidden.reshape(rows, -1);
        using var flatTargets = targets.reshape(rows);
        var total = 0.0;
        for (long start = 0; start < rows; start += ChunkRows)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(ChunkRows, rows - start);
            var logits = F.linear(flatHidden.narrow(0, start, length), unembedding);        // (C, V)
            total += F.cross_entropy(logits, flatTargets.narrow(0, start, length), reduction: nn.Reduction.Sum).item<float>();
        }
        return total;
    }
}
