using System.Diagnostics;
using Interp.Model;
using Interp.Model.Benchmarks;
using TorchSharp;
using static TorchSharp.torch;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>One architecture's SAE training throughput, measured beside libtorch's matmul rate.</summary>
/// <param name="Architecture">The architecture trained.</param>
/// <param name="DIn">d_in.</param>
/// <param name="DSae">d_sae.</param>
/// <param name="Batch">Rows per step.</param>
/// <param name="K">k for topk (0 otherwise).</param>
/// <param name="Steps">Timed steps (after one untimed warm-up step).</param>
/// <param name="SecondsPerStep">Median wall time of a full training step.</param>
/// <param name="MatmulGflopsPerSecond">libtorch's float32 n×n matmul rate, measured in the same run.</param>
public sealed record SaeBenchmarkResult(
    SaeArchitecture Architecture, int DIn, int DSae, int Batch, int K, int Steps, double SecondsPerStep, double MatmulGflopsPerSecond)
{
    /// <summary>Training rows (tokens) per second.</summary>
    public double TokensPerSecond => Batch / SecondsPerStep;

    /// <summary>The dense FLOP count of a step (<see cref="SaeBenchmark.DenseFlopsPerStep"/>) over its time: for topk, an effective rate against the dense count.</summary>
    public double GflopsPerSecond => SaeBenchmark.DenseFlopsPerStep(Batch, DIn, DSae) / SecondsPerStep / 1e9;

    /// <summary><see cref="GflopsPerSecond"/> / <see cref="MatmulGflopsPerSecond"/>.</summary>
    public double Ratio => GflopsPerSecond / MatmulGflopsPerSecond;

    /// <summary>
    /// Tokens/s of a step that did nothing but the encoder's forward matmul, 2·B·d_in·d_sae FLOPs, at the measured matmul
    /// rate: the limit for a step whose other work is sparse (TopK's).
    /// </summary>
    public double OneMatmulTokensPerSecond => Batch / (2.0 * Batch * DIn * DSae / (MatmulGflopsPerSecond * 1e9));

    /// <summary><see cref="TokensPerSecond"/> / <see cref="OneMatmulTokensPerSecond"/>.</summary>
    public double OfOneMatmulLimit => TokensPerSecond / OneMatmulTokensPerSecond;
}

/// <summary>
/// <c>interp bench sae</c>: the throughput of real SAE training steps (the trainer's step: normalised batch from a
/// float array, forward with loss and AuxK, backward, gradient finiteness check, parallel-gradient removal, Adam,
/// decoder-row renormalisation, dead-latent bookkeeping) on random data, against the matmul rate measured in the same
/// run, alternating the two so both see the same machine state.
/// </summary>
public static class SaeBenchmark
{
    /// <summary>
    /// The dense FLOPs of one training step: five matmuls of <c>2·B·d_in·d_sae</c> each, 10·B·d_in·d_sae in all:
    /// forward, encoder <c>x·W_enc</c> and decoder <c>f·W_dec</c>; backward, ∂W_dec = fᵀ·g, ∂f = g·W_decᵀ and
    /// ∂W_enc = xᵀ·∂pre (no ∂x: the input is data). Element-wise work (bias, activation, top-k, Adam, renormalisation)
    /// is O(B·d_sae + d_in·d_sae) and not counted. A topk decoder that skips the zero latents does less work than this
    /// count; the rate is then an effective rate against the dense count.
    /// </summary>
    public static double DenseFlopsPerStep(int batch, int dIn, int dSae) => 10.0 * batch * dIn * dSae;

    /// <summary>
    /// Measures each of <paramref name="architectures"/> (<paramref name="steps"/> timed steps after one warm-up step,
    /// median kept), each right after a measurement of the matmul rate, over <paramref name="rounds"/> rounds; keeps the
    /// best of each (the fastest step time, the highest matmul rate).
    /// </summary>
    public static IReadOnlyList<SaeBenchmarkResult> Run(IReadOnlyList<SaeArchitecture> architectures, int dIn, int dSae, int batch, int k,
        int steps, int rounds = 1, Device? device = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(architectures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dIn);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dSae);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        NativeMemory.KeepLargeBlocks();
        var dev = device ?? CPU;
        var best = new double[architectures.Count];
        Array.Fill(best, double.MaxValue);
        var matmul = 0.0;
        var data = RandomBatches(2, batch, dIn);
        for (var round = 0; round < rounds; round++)
        {
            for (var a = 0; a < architectures.Count; a++)
            {
                var rate = MatmulBenchmark.GflopsPerSecond(dev);                                   // before each: the machine's state drifts
                matmul = Math.Max(matmul, rate);
                log?.Invoke($"round {round + 1}: matmul {rate:F1} GFLOP/s");
                var seconds = SecondsPerStep(architectures[a], dIn, dSae, batch, k, steps, data, dev);
                best[a] = Math.Min(best[a], seconds);
                log?.Invoke($"round {round + 1}: {architectures[a].ToSaeLensName()} {seconds:F2} s/step, {batch / seconds:N0} tokens/s");
            }
        }
        return architectures.Select((arch, a) => new SaeBenchmarkResult(arch, dIn, dSae, batch, UsesK(arch) ? k : 0, steps, best[a], matmul)).ToArray();
    }

    private static readonly double ThresholdRate = new SaeTrainingOptions { OutDirectory = "" }.BatchTopKThresholdRate;

    private static bool UsesK(SaeArchitecture architecture) => architecture.Definition().UsesK;

    private static double SecondsPerStep(SaeArchitecture architecture, int dIn, int dSae, int batch, int k, int steps, float[][] data, Device device)
    {
        var config = new SaeConfig { Architecture = architecture, DIn = dIn, DSae = dSae, K = UsesK(architecture) ? k : 0, HookName = "bench" };
        config.Validate("bench sae");
        using var sae = SparseAutoencoder.Create(config, device, seed: 1);
        var parameters = sae.TrainableParameters();
        using var optimizer = optim.Adam(parameters, 4e-4);
        using var sinceFired = zeros(dSae, dtype: ScalarType.Int64, device: device);
        var times = new List<double>();
        for (var step = 0; step <= steps; step++)
        {
            var clock = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                var x = tensor(data[step % data.Length], [batch, dIn], device: device);
                optimizer.zero_grad();
                var input = new SaeStepInput(x)
                {
                    SparsityCoefficient = architecture.Definition().DefaultSparsityCoefficient,
                    DeadMask = sinceFired.ge(10_000_000),
                    KAux = Math.Max(1, dIn / 2),
                };
                var (loss, latents, _) = sae.TrainingForward(input);
                loss.backward();
                foreach (var p in parameters)
                    if (p.grad is { } g && !g.sum().isfinite().item<bool>()) throw new InvalidOperationException("bench sae: a gradient is not finite");
                sae.RemoveParallelDecoderGradient();
                optimizer.step();
                sae.NormalizeDecoderRows();
                sae.UpdateThresholdEstimate(latents, ThresholdRate);                           // BatchTopK only, as the trainer
                using (no_grad()) sinceFired.add_(batch).masked_fill_(latents.Fired(), 0);
                if (device.type == DeviceType.CUDA) cuda.synchronize();
            }
            if (step > 0) times.Add(clock.Elapsed.TotalSeconds);                                // step 0 warms up
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Gaussian rows scaled to E‖x‖² = d_in (what the trainer feeds after normalisation).</summary>
    private static float[][] RandomBatches(int count, int batch, int dIn)
    {
        var random = new Random(7);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var rows = new float[(long)batch * dIn];
            for (var i = 0; i < rows.Length; i += 2)
            {
                var (u1, u2) = (1 - random.NextDouble(), random.NextDouble());
                var radius = Math.Sqrt(-2 * Math.Log(u1));
                rows[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
                if (i + 1 < rows.Length) rows[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
            return rows;
        }).ToArray();
    }
}
