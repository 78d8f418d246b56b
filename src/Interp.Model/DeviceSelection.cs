using Interp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model;

/// <summary>Turns a device choice (auto, cpu or cuda) into a TorchSharp device.</summary>
public static class DeviceSelection
{
    public static Device Resolve(string? choice) => (choice ?? "auto").ToLowerInvariant() switch
    {
        "auto" => cuda.is_available() ? CUDA : CPU,
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw Refuse(o =>
            $"{o("Device")} cuda: no CUDA device is available (this build uses TorchSharp's CPU backend unless built with -p:TorchBackend=cuda)"),
        var other => throw Refuse(o => $"{o("Device")} '{other}' is not one of auto, cpu, cuda"),
    };

    /// <summary>The device option ("Device", a job's property name) by meaning, for <see cref="InvalidOptionException"/>s.</summary>
    public static string Meaning(string option) => option == "Device" ? "device" : option;

    private static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);
}
