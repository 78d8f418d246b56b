using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Interp.Core.Store;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Harvest;

/// <summary>
/// A model's identity for activation stores: SHA-256 of its <c>model.safetensors</c> (about 1 s for 500 MB) and its
/// config. A model built in memory (not loaded from a folder) is hashed over its parameters in state-dict order.
/// </summary>
public static class ModelFingerprint
{
    /// <summary>The identity of <paramref name="model"/>.</summary>
    public static ModelIdentity Of(Gpt2 model)
    {
        var weights = model.SourceDirectory is { } dir ? Path.Combine(dir, "model.safetensors") : null;
        string sha;
        if (weights is not null && File.Exists(weights))
        {
            using var stream = new FileStream(weights, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        else
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var noGrad = no_grad();
            foreach (var (name, parameter) in model.named_parameters())
            {
                using var cpu = parameter.detach().cpu().to(ScalarType.Float32).contiguous();
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
                hash.AppendData(cpu.bytes);
            }
            sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        return new ModelIdentity(model.SourceDirectory ?? "(in memory)", sha, ConfigJson(model.Config));
    }

    /// <summary>The config as Hugging Face <c>config.json</c> keys.</summary>
    public static JsonObject ConfigJson(Gpt2Config c) => new()
    {
        ["model_type"] = "gpt2",
        ["vocab_size"] = c.VocabSize,
        ["n_positions"] = c.NPositions,
        ["n_embd"] = c.NEmbd,
        ["n_layer"] = c.NLayer,
        ["n_head"] = c.NHead,
        ["n_inner"] = c.NInner,
        ["activation_function"] = c.Activation,
        ["layer_norm_epsilon"] = c.LayerNormEpsilon,
    };
}
