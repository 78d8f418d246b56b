using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Benchmarks;

/// <summary>The float32 dense matmul rate of libtorch on this machine: the ceiling other benchmarks are compared with.</summary>
public static class MatmulBenchmark
{
    /// <returns>GFLOP/s of an n×n by n×n float32 matmul (2n³ FLOPs).</returns>
    public static double GflopsPerSecond(Device device, int n = 2048, double budgetSeconds = 2)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device);
        var b = randn(n, n, device: device);
        var seconds = Throughput.SecondsPerCall(() =>
        {
            using var c = a.matmul(b);
            if (device.type == DeviceType.CUDA) cuda.synchronize();
        }, budgetSeconds);
        return 2.0 * n * n * n / seconds / 1e9;
    }
}
