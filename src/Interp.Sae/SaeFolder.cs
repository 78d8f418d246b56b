using System.Globalization;
using Interp.Core;
using Interp.Core.Safetensors;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// An SAE folder in SAELens's layout: <c>cfg.json</c> (see <see cref="SaeConfig"/>) and <c>sae_weights.safetensors</c>
/// with <c>W_enc [d_in, d_sae]</c>, <c>W_dec [d_sae, d_in]</c>, <c>b_enc [d_sae]</c>, <c>b_dec [d_in]</c> and what the
/// architecture adds (JumpReLU and BatchTopK: <c>threshold [d_sae]</c>).
/// </summary>
public static class SaeFolder
{
    /// <summary>The config file's name in an SAE folder.</summary>
    public const string ConfigFileName = "cfg.json";

    /// <summary>The weights file's name in an SAE folder.</summary>
    public const string WeightsFileName = "sae_weights.safetensors";

    /// <summary>True when <paramref name="directory"/> holds both files of a finished SAE.</summary>
    public static bool IsComplete(string directory) =>
        File.Exists(Path.Combine(directory, ConfigFileName)) && File.Exists(Path.Combine(directory, WeightsFileName));

    /// <summary>
    /// Writes <paramref name="sae"/> into <paramref name="directory"/> (each file atomically); a <paramref name="checkpoint"/>
    /// also keeps what resuming needs exactly (JumpReLU's <c>log_threshold</c>; SAELens files store only <c>threshold</c>).
    /// Refuses, with an <see cref="InterpException"/> naming the tensor, to write NaN or Inf.
    /// </summary>
    public static void Write(SparseAutoencoder sae, string directory, bool checkpoint = false)
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(directory);
        var (dIn, dSae) = ((long)sae.DIn, (long)sae.DSae);
        var entries = new List<(string Name, long[] Shape, float[] Data)>
        {
            ("W_enc", [dIn, dSae], ToArray(sae.EncoderWeight)),
            ("W_dec", [dSae, dIn], ToArray(sae.DecoderWeight)),
            ("b_enc", [dSae], ToArray(sae.EncoderBias)),
            ("b_dec", [dIn], ToArray(sae.DecoderBias)),
        };
        using (no_grad())
        using (NewDisposeScope())
            foreach (var (name, value) in sae.Architecture.TensorsToSave(sae, checkpoint))
                entries.Add((name, value.shape, ToArray(value)));
        foreach (var (name, _, data) in entries)
            if (FirstNonFinite(data) is { } bad)
                throw new InterpException($"refusing to save the SAE to {directory}: tensor '{name}' has a non-finite value ({Format(data[bad])} at index {bad})");

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InterpException($"cannot create SAE folder {directory}: {e.Message}", e);
        }
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFileName),
            entries.Select(e => SafetensorsWriter.Float32(e.Name, e.Shape, e.Data)),
            new Dictionary<string, string> { ["format"] = "pt" });
        sae.Config.Save(Path.Combine(directory, ConfigFileName));
    }

    /// <summary>
    /// Reads an SAE folder as SAELens writes it (F32, F16, BF16 or F64 weights) onto <paramref name="device"/> (CPU by
    /// default). Each problem is one <see cref="InterpException"/> line: a missing folder, file or key, a shape that
    /// disagrees with cfg.json (naming the key and both shapes), NaN or Inf in a tensor (naming it).
    /// </summary>
    public static SparseAutoencoder Read(string directory, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) throw new InterpException($"SAE folder not found: {directory}");
        var configPath = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(configPath))
            throw new InterpException($"{directory}: no {ConfigFileName} (an SAE folder holds {ConfigFileName} and {WeightsFileName}, as SAELens writes them)");
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weightsPath))
            throw new InterpException($"{directory}: no {WeightsFileName} (an SAE folder holds {ConfigFileName} and {WeightsFileName}, as SAELens writes them)");
        var config = SaeConfig.Load(configPath);
        using var file = SafetensorsFile.Open(weightsPath);

        float[] ReadArray(string key, long[] expected)
        {
            if (!file.Tensors.TryGetValue(key, out var info))
                throw new InterpException(
                    $"{weightsPath}: missing tensor '{key}' (expected shape {Shape(expected)} for d_in={config.DIn}, d_sae={config.DSae} in {ConfigFileName})");
            if (!info.Shape.SequenceEqual(expected))
                throw new InterpException(
                    $"{weightsPath}: tensor '{key}' has shape {Shape(info.Shape)}, but {ConfigFileName} (d_in={config.DIn}, d_sae={config.DSae}) needs {Shape(expected)}");
            var data = file.ReadAsFloat32(key);
            if (FirstNonFinite(data) is { } bad)
                throw new InterpException($"{weightsPath}: tensor '{key}' has a non-finite value ({Format(data[bad])} at index {bad})");
            return data;
        }

        var sae = SparseAutoencoder.Empty(config, device);
        sae.SourceDirectory = directory;
        try
        {
            using var noGrad = no_grad();
            Copy(sae.EncoderWeight, ReadArray("W_enc", [config.DIn, config.DSae]));
            Copy(sae.DecoderWeight, ReadArray("W_dec", [config.DSae, config.DIn]));
            Copy(sae.EncoderBias, ReadArray("b_enc", [config.DSae]));
            Copy(sae.DecoderBias, ReadArray("b_dec", [config.DIn]));
            sae.Architecture.LoadExtraTensors(sae, file.Tensors.ContainsKey,
                key => tensor(ReadArray(key, [config.DSae]), [config.DSae], device: sae.Device));
            return sae;
        }
        catch
        {
            sae.Dispose();
            throw;
        }
    }

    private static void Copy(Tensor destination, float[] data)
    {
        using var source = tensor(data, destination.shape);
        destination.copy_(source);
    }

    private static float[] ToArray(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().contiguous().data<float>().ToArray();
    }

    private static int? FirstNonFinite(float[] data)
    {
        for (var i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i])) return i;
        return null;
    }

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
