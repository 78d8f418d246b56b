using Interp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model;

/// <summary>Turns <c>--device auto|cpu|cuda</c> into a TorchSharp device.</summary>
public static class DeviceSelection
{
    public static Device Resolve(string? choice) => (choice ?? "auto").ToLowerInvariant() switch
    {
        "auto" => cuda.is_available() ? CUDA : CPU,
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new InterpException(
            "--device cuda: no CUDA device is available (this build uses TorchSharp's CPU backend unless built with -p:TorchBackend=cuda)"),
        var other => throw new InterpException($"--device '{other}' is not one of auto, cpu, cuda"),
    };
}
