using System.Globalization;
using Interp.Core;
using Interp.Core.Safetensors;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// An SAE folder in SAELens's layout: <c>cfg.json</c> (see <see cref="SaeConfig"/>) and <c>sae_weights.safetensors</c>
/// with <c>W_enc [d_in, d_sae]</c>, <c>W_dec [d_sae, d_in]</c>, <c>b_enc [d_sae]</c>, <c>b_dec [d_in]</c> and what the
/// architecture adds (JumpReLU: <c>threshold [d_sae]</c>; a finished BatchTopK SAE is saved as JumpReLU). A transcoder's
/// decoder is <c>W_dec [d_sae, d_out]</c>, <c>b_dec [d_out]</c>, and the skip variants add <c>W_skip [d_out, d_in]</c>.
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
    /// Writes <paramref name="sae"/> into <paramref name="directory"/> (each file atomically) as SAELens's trainer saves a
    /// finished SAE for inference (<see cref="SaeConfig.ForInference"/>): the input scale s folded into the weights
    /// (W_enc·s, W_dec/s, b_dec/s; b_enc and thresholds act on pre-activations, which folding leaves unchanged —
    /// sae_lens/saes/sae.py, <c>fold_activation_norm_scaling_factor</c>) and BatchTopK as JumpReLU. A
    /// <paramref name="checkpoint"/> keeps the training form and what resuming needs exactly (the scale, BatchTopK,
    /// JumpReLU's <c>log_threshold</c>). The SAE in memory is not changed. Refuses, with an <see cref="InterpException"/>
    /// naming the tensor, to write NaN or Inf.
    /// </summary>
    public static void Write(SparseAutoencoder sae, string directory, bool checkpoint = false)
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(directory);
        var (dIn, dSae, dOut) = ((long)sae.DIn, (long)sae.DSae, (long)sae.DOut);
        var config = checkpoint ? sae.Config : sae.Config.ForInference();
        var scale = checkpoint ? 1.0 : sae.Config.InputScale;
        var entries = new List<(string Name, long[] Shape, float[] Data)>
        {
            ("W_enc", [dIn, dSae], ToArray(sae.EncoderWeight, scale)),
            ("W_dec", [dSae, dOut], ToArray(sae.DecoderWeight, 1 / scale)),
            ("b_enc", [dSae], ToArray(sae.EncoderBias)),
            ("b_dec", [dOut], ToArray(sae.DecoderBias, 1 / scale)),
        };
        if (sae.SkipWeight is { } skip) entries.Add(("W_skip", [dOut, dIn], ToArray(skip)));     // transcoders: no input scale
        using (no_grad())
        using (NewDisposeScope())
            foreach (var (name, value) in sae.Architecture.TensorsToSave(sae, checkpoint))
                entries.Add((name, value.shape, ToArray(value)));
        foreach (var (name, _, data) in entries)
            if (FirstNonFinite(data) is { } bad)
                throw new InterpException($"refusing to save the {sae.Config.KindName} to {directory}: tensor '{name}' has a non-finite value ({Format(data[bad])} at index {bad})");

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
        config.Save(Path.Combine(directory, ConfigFileName));
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
                    $"{weightsPath}: missing tensor '{key}' (expected shape {Shape(expected)} for {Dimensions(config)} in {ConfigFileName})");
            if (!info.Shape.SequenceEqual(expected))
                throw new InterpException(
                    $"{weightsPath}: tensor '{key}' has shape {Shape(info.Shape)}, but {ConfigFileName} ({Dimensions(config)}) needs {Shape(expected)}");
            var data = file.ReadAsFloat32(key);
            if (FirstNonFinite(data) is { } bad)
                throw new InterpException($"{weightsPath}: tensor '{key}' has a non-finite value ({Format(data[bad])} at index {bad})");
            return data;
        }

        var (wEnc, wDec, bEnc, bDec) = (ReadArray("W_enc", [config.DIn, config.DSae]), ReadArray("W_dec", [config.DSae, config.DOut]),
            ReadArray("b_enc", [config.DSae]), ReadArray("b_dec", [config.DOut]));
        var wSkip = config.HasSkip ? ReadArray("W_skip", [config.DOut, config.DIn]) : null;
        if (!config.HasSkip && file.Tensors.ContainsKey("W_skip"))
            throw new InterpException($"{weightsPath}: has a tensor 'W_skip', but {ConfigFileName}'s architecture '{config.SaeLensArchitectureName}' has no skip connection");
        if (config.RescaleActsByDecoderNorm)
        {
            FoldDecoderNorms(wEnc, bEnc, wDec, config.DOut, config.DSae);
            config = config with { RescaleActsByDecoderNorm = false };
        }
        var sae = SparseAutoencoder.Empty(config, device);
        sae.SourceDirectory = directory;
        try
        {
            using var noGrad = no_grad();
            Copy(sae.EncoderWeight, wEnc);
            Copy(sae.DecoderWeight, wDec);
            Copy(sae.EncoderBias, bEnc);
            Copy(sae.DecoderBias, bDec);
            if (wSkip is not null) Copy(sae.SkipWeight!, wSkip);
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

    private static float[] ToArray(Tensor t, double factor = 1.0)
    {
        using var scope = NewDisposeScope();
        var value = t.detach();
        return (factor == 1.0 ? value : value * factor).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>
    /// SAELens 6 topk with <c>rescale_acts_by_decoder_norm</c>: pre-activations ·‖W_dec row‖ and latents /‖W_dec row‖
    /// before decoding equal plain topk with W_enc columns and b_enc times the norms and W_dec rows divided by them
    /// (sae_lens/saes/topk_sae.py, <c>_fold_norm_topk</c>). Rows of norm 0 are left as they are.
    /// </summary>
    private static void FoldDecoderNorms(float[] wEnc, float[] bEnc, float[] wDec, int dIn, int dSae)
    {
        for (var j = 0; j < dSae; j++)
        {
            var row = wDec.AsSpan(j * dIn, dIn);
            double squares = 0;
            foreach (var v in row) squares += (double)v * v;
            var norm = (float)Math.Sqrt(squares);
            if (norm == 0) continue;
            for (var i = 0; i < dIn; i++) row[i] /= norm;
            for (var i = 0; i < wEnc.Length / dSae; i++) wEnc[i * dSae + j] *= norm;
            bEnc[j] *= norm;
        }
    }

    private static int? FirstNonFinite(float[] data)
    {
        for (var i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i])) return i;
        return null;
    }

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Dimensions(SaeConfig config) =>
        config.IsTranscoder ? $"d_in={config.DIn}, d_sae={config.DSae}, d_out={config.DOut}" : $"d_in={config.DIn}, d_sae={config.DSae}";

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
