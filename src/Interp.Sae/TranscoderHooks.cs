using Interp.Core;
using Interp.Core.Hooks;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// A transcoder in the model: its output in place of the MLP's. The input hook (<see cref="SaeConfig.HookName"/>, e.g.
/// <c>blocks.L.ln2.hook_normalized</c>) is read and left as it is; the output hook (<see cref="SaeConfig.OutputHookName"/>,
/// <c>blocks.L.hook_mlp_out</c>) is replaced by Transcode(input). Reading latents is <see cref="SaeHooks.ReadLatents"/>,
/// which works at the input hook for a transcoder as for an SAE.
/// </summary>
public static class TranscoderHooks
{
    /// <summary>
    /// The hooks that splice <paramref name="transcoder"/> in: the MLP's output becomes the transcoder's output of the
    /// MLP's input. With <paramref name="keepFirstPosition"/> position 0 keeps the MLP's own output (a BOS, left out of
    /// the metrics as SAELens's evals leave it).
    /// </summary>
    public static (HookName Name, HookFunction Function)[] Splice(SparseAutoencoder transcoder, bool keepFirstPosition = false)
    {
        ArgumentNullException.ThrowIfNull(transcoder);
        var (input, output) = Hooks(transcoder);
        Tensor? captured = null;                                                                // this pass's input, read before the output hook runs
        return
        [
            (input, (activation, _) =>
            {
                captured = activation;                                                          // alive until the block's MLP has run
                return null;
            }),
            (output, (activation, _) =>
            {
                if (captured is null) throw new InterpException($"{transcoder.Describe()}: {output} ran before {input}; cannot splice the transcoder in");
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var result = transcoder.Transcode(captured).reshape(activation.shape).to_type(activation.dtype);
                captured = null;
                if (keepFirstPosition) result.narrow(1, 0, 1).copy_(activation.narrow(1, 0, 1));
                return result.MoveToOuterDisposeScope();
            }),
        ];
    }

    /// <summary>Zero-ablates the transcoder's output hook (the MLP's output): the baseline of the loss-recovered metric.</summary>
    public static (HookName Name, HookFunction Function) ZeroAblate(SparseAutoencoder transcoder) =>
        (Hooks(transcoder).Output, (activation, _) => zeros_like(activation));

    private static (HookName Input, HookName Output) Hooks(SparseAutoencoder transcoder)
    {
        if (!transcoder.Config.IsTranscoder) throw new InterpException($"{transcoder.Describe()}: not a transcoder (cfg.json's architecture is {transcoder.Config.SaeLensArchitectureName})");
        return (new HookName(transcoder.Config.HookName), new HookName(transcoder.Config.OutputHookName));
    }
}
