using Interp.Core.Hooks;
using Interp.Model;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// Seeded random transcoders, one per block of a model (TopK, <c>blocks.L.ln2.hook_normalized</c> →
/// <c>blocks.L.hook_mlp_out</c>): what timing a graph needs (its cost depends on d_sae and k, not on what the weights
/// learned), and what tests of identities that hold for any transcoder use. With random biases, b_enc and
/// b_dec are random too (a fresh SAE has them at zero), and a skip transcoder's W_skip is random (else zero), so that
/// every constant and path of an attribution graph is exercised.
/// </summary>
public static class RandomTranscoders
{
    /// <summary>One transcoder per block; the caller disposes them.</summary>
    public static SparseAutoencoder[] Create(Gpt2 model, int dSae = 1024, int k = 32, bool skip = false, bool biases = false, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        var d = model.Config.NEmbd;
        return [.. Enumerable.Range(0, model.Config.NLayer).Select(l =>
        {
            var transcoder = SparseAutoencoder.Create(new SaeConfig
            {
                Architecture = SaeArchitecture.TopK, DIn = d, DSae = dSae, K = k, DOut = d, IsTranscoder = true, HasSkip = skip,
                ApplyBDecToInput = false, HookName = HookName.Ln2Normalized(l), HookLayer = l, OutputHookName = HookName.MlpOut(l),
            }, model.Device, seed + l);
            if (biases)
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                var generator = new Generator((ulong)(seed * 1000 + l), CPU);
                transcoder.EncoderBias.copy_(randn(dSae, generator: generator) * 0.1);
                transcoder.DecoderBias.copy_(randn(d, generator: generator) * 0.1);
                transcoder.SkipWeight?.copy_(randn(d, d, generator: generator) * 0.05);
            }
            return transcoder;
        })];
    }
}
