using System.Runtime.InteropServices;
using Interp.Core;
using Interp.Core.Safetensors;
using Interp.Core.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model;

public sealed partial class Gpt2
{
    private const string ConfigFile = "config.json", WeightsFile = "model.safetensors";

    /// <summary>
    /// Loads a Hugging Face GPT-2 folder (<c>config.json</c>, <c>model.safetensors</c>, and <c>vocab.json</c> +
    /// <c>merges.txt</c> when present). Accepts keys with or without a <c>transformer.</c> prefix, ignores the
    /// <c>attn.bias</c>/<c>attn.masked_bias</c> buffers and a tied <c>lm_head.weight</c>, converts F16/BF16 to float32, and
    /// checks every shape against the config. Each problem is one <see cref="InterpException"/> naming the file and key.
    /// </summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="device">Where the weights live (CPU when null).</param>
    /// <param name="processing">TransformerLens weight processing applied once loaded (none: the checkpoint's weights).</param>
    public static Gpt2 Load(string directory, Device? device = null, TlProcessing? processing = null)
    {
        if (!Directory.Exists(directory)) throw new InterpException($"{directory}: model folder not found");
        var config = Gpt2Config.Load(Path.Combine(directory, ConfigFile));
        var tokenizer = File.Exists(Path.Combine(directory, "vocab.json")) ? Gpt2Tokenizer.FromDirectory(directory) : null;
        if (tokenizer is not null && tokenizer.VocabSize > config.VocabSize)
            throw new InterpException($"{directory}: tokenizer has {tokenizer.VocabSize} tokens but config.json vocab_size is {config.VocabSize}");

        var model = new Gpt2(config) { Tokenizer = tokenizer, SourceDirectory = Path.GetFullPath(directory) };
        using (var weights = SafetensorsFile.Open(Path.Combine(directory, WeightsFile))) model.LoadWeights(weights);
        model.eval();
        if (device is not null && device.type != DeviceType.CPU) model = model.to(device);
        model.ApplyProcessing(processing ?? TlProcessing.None);
        return model;
    }

    /// <summary>Copies every parameter from <paramref name="file"/> (see <see cref="Load"/> for the rules).</summary>
    public void LoadWeights(SafetensorsFile file)
    {
        var parameters = named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var loaded = new HashSet<string>();
        using var noGrad = no_grad();
        foreach (var (fileKey, info) in file.Tensors)
        {
            var key = fileKey.StartsWith("transformer.", StringComparison.Ordinal) ? fileKey["transformer.".Length..] : fileKey;
            if (key.EndsWith(".attn.bias", StringComparison.Ordinal) || key.EndsWith(".attn.masked_bias", StringComparison.Ordinal)) continue;
            if (key == "lm_head.weight") { CheckShape(file, fileKey, info, wte.weight!.shape); continue; } // tied to wte
            if (!parameters.TryGetValue(key, out var parameter))
                throw new InterpException($"{file.Path}: unexpected tensor '{fileKey}' (not a GPT-2 weight)");
            CheckShape(file, fileKey, info, parameter.shape);
            if (info.Dtype is not (SafetensorsDtype.F32 or SafetensorsDtype.F16 or SafetensorsDtype.BF16))
                throw new InterpException($"{file.Path}: tensor '{fileKey}' has dtype {info.Dtype.ToFormatString()}; expected F32, F16 or BF16");
            file.CopyAsFloat32(fileKey, MemoryMarshal.Cast<byte, float>(parameter.bytes));
            loaded.Add(key);
        }
        var missing = parameters.Keys.FirstOrDefault(k => !loaded.Contains(k));
        if (missing is not null) throw new InterpException($"{file.Path}: missing tensor '{missing}'");
    }

    /// <summary>
    /// Writes a Hugging Face GPT-2 folder: <c>config.json</c>, <c>model.safetensors</c> (F32 or F16) and the tokenizer files.
    /// </summary>
    public void SaveHuggingFace(string directory, SafetensorsDtype dtype = SafetensorsDtype.F32)
    {
        if (dtype is not (SafetensorsDtype.F32 or SafetensorsDtype.F16)) throw new ArgumentException("F32 or F16", nameof(dtype));
        Directory.CreateDirectory(directory);
        // Entries view the tensors' own memory: nothing is gathered into managed arrays (GPT-2 small is 500 MB).
        var tensors = new List<Tensor>();
        try
        {
            var entries = new List<SafetensorsWriter.Entry>();
            using (no_grad())
            {
                foreach (var (name, parameter) in named_parameters())
                {
                    var cpu = parameter.detach().cpu().to(dtype == SafetensorsDtype.F16 ? ScalarType.Float16 : ScalarType.Float32).contiguous();
                    tensors.Add(cpu);
                    entries.Add(new SafetensorsWriter.Entry(name, dtype, cpu.shape, new TensorMemory(cpu).Memory));
                }
            }
            SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), entries, new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            foreach (var t in tensors) t.Dispose();
        }
        Config.Save(Path.Combine(directory, ConfigFile), dtype == SafetensorsDtype.F16 ? "float16" : "float32");
        if (SourceDirectory is not null && Path.GetFullPath(directory) != SourceDirectory) CopyTokenizerFiles(SourceDirectory, directory);
    }

    /// <summary>Copies <c>vocab.json</c> and <c>merges.txt</c> from <paramref name="from"/> when present.</summary>
    public static void CopyTokenizerFiles(string from, string to)
    {
        foreach (var name in new[] { "vocab.json", "merges.txt" })
            if (File.Exists(Path.Combine(from, name))) File.Copy(Path.Combine(from, name), Path.Combine(to, name), overwrite: true);
    }

    private static void CheckShape(SafetensorsFile file, string key, SafetensorsTensorInfo info, long[] expected)
    {
        if (!info.Shape.SequenceEqual(expected))
            throw new InterpException(
                $"{file.Path}: tensor '{key}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", expected)}]");
    }
}
