using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Benchmarks;

/// <summary>One side-by-side measurement of model forward throughput against the matmul ceiling.</summary>
public sealed record ForwardBenchmarkResult(
    string Model, long Parameters, int Batch, int Context, double TokensPerSecond, double ModelGflopsPerSecond, double MatmulGflopsPerSecond)
{
    public double Ratio => ModelGflopsPerSecond / MatmulGflopsPerSecond;
}

/// <summary>
/// Forward throughput of a GPT-2 (batch × context tokens, logits included) in tokens/s and GFLOP/s. FLOPs per token
/// follow Kaplan et al.: 2 × (non-embedding parameters + the d×V unembedding) + 2 × n_layer × context × d for attention.
/// </summary>
public static class ForwardBenchmark
{
    public static double FlopsPerToken(Gpt2Config c, int context)
    {
        long nonEmbedding = c.ParameterCount - (long)c.VocabSize * c.NEmbd - (long)c.NPositions * c.NEmbd;
        return 2.0 * (nonEmbedding + (long)c.VocabSize * c.NEmbd) + 2.0 * c.NLayer * context * c.NEmbd;
    }

    /// <summary>Alternates matmul and forward rounds so both see the same machine state; keeps each one's best round.</summary>
    public static ForwardBenchmarkResult Run(string name, Gpt2 model, int batch, int context, int rounds = 3, double budgetSeconds = 2)
    {
        NativeMemory.KeepLargeBlocks();
        var (bestMatmul, bestForward) = (0.0, double.MaxValue);
        using var noGrad = no_grad();
        using var tokens = randint(0, model.Config.VocabSize, [batch, context], device: model.Device);
        for (var round = 0; round < rounds; round++)
        {
            bestMatmul = Math.Max(bestMatmul, MatmulBenchmark.GflopsPerSecond(model.Device, budgetSeconds: budgetSeconds));
            bestForward = Math.Min(bestForward, Throughput.SecondsPerCall(() =>
            {
                using var scope = NewDisposeScope();
                model.call(tokens);
                if (model.Device.type == DeviceType.CUDA) cuda.synchronize();
            }, budgetSeconds));
        }
        var tokensPerSecond = batch * context / bestForward;
        return new ForwardBenchmarkResult(name, model.Config.ParameterCount, batch, context, tokensPerSecond,
            tokensPerSecond * FlopsPerToken(model.Config, context) / 1e9, bestMatmul);
    }
}
