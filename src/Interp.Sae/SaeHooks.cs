using Interp.Core;
using Interp.Core.Hooks;
using Interp.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// An SAE in the model: hook functions at the SAE's hook (<see cref="SaeConfig.HookName"/>), ready for
/// <c>model.Hooks(...)</c> or <c>model.RunWithHooks(...)</c>:
/// <code>
/// using (model.Hooks(SaeHooks.ReadLatents(sae, (f, _) => ...))) model.Run(tokens);         // read f [B, T, d_sae]
/// var spliced = model.RunWithHooks(tokens, SaeHooks.Splice(sae));                            // x → x̂
/// var steered = model.RunWithHooks(tokens, SaeHooks.Steer(sae, latent: 123, coefficient: 8)); // x → x + c·d₁₂₃
/// </code>
/// Latent edits (<see cref="Ablate"/>, <see cref="Clamp"/>, <see cref="Edit"/>) keep the SAE's error term x − x̂ by
/// default (SAELens's <c>use_error_term</c>), so only the edit changes the model. Attention <c>hook_q|k|v|z</c>
/// activations <c>[B, T, nh, hs]</c> are read with the heads flattened, as SAELens does for hook_z.
/// </summary>
public static class SaeHooks
{
    /// <summary>
    /// Calls <paramref name="onLatents"/> with f [..., d_sae] at every pass; the activation is left unchanged. f is
    /// disposed after the callback, and <see cref="Gpt2.Run"/> disposes what hooks create when it returns: to keep the
    /// latents, <c>f.clone().DetachFromDisposeScope()</c> (or copy them out to an array).
    /// </summary>
    public static (HookName Name, HookFunction Function) ReadLatents(SparseAutoencoder sae, Action<Tensor, HookName> onLatents)
    {
        ArgumentNullException.ThrowIfNull(onLatents);
        return (RequireHook(sae), (activation, hook) =>
        {
            Tensor latents;
            using (var scope = NewDisposeScope())
            using (no_grad())
                latents = sae.Encode(Flatten(sae, activation, hook)).DetachFromDisposeScope();
            // The callback runs in the caller's scope, so what it makes (a clone to keep, say) lives by the caller's rules.
            using (latents) onLatents(latents, hook);
            return null;
        });
    }

    /// <summary>
    /// Replaces the activation with the SAE's reconstruction x̂ (the spliced-in model of the loss-recovered metric);
    /// with <paramref name="withErrorTerm"/>, x̂ + (x − x̂), which leaves the model's output unchanged up to rounding.
    /// With <paramref name="keepFirstPosition"/> position 0 keeps its activation (a BOS, which SAELens's evals do not splice).
    /// </summary>
    public static (HookName Name, HookFunction Function) Splice(SparseAutoencoder sae, bool withErrorTerm = false, bool keepFirstPosition = false)
    {
        var splice = Edit(sae, null, withErrorTerm);
        if (!keepFirstPosition) return splice;
        return (splice.Name, (activation, hook) =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var output = splice.Function(activation, hook)!;                                     // [B, T, ...], a new tensor
            output.narrow(1, 0, 1).copy_(activation.narrow(1, 0, 1));
            return output.MoveToOuterDisposeScope();
        });
    }

    /// <summary>
    /// Replaces the activation with Decode(edit(f)) (+ x − Decode(f) with <paramref name="withErrorTerm"/>), where
    /// <paramref name="edit"/> gets the latents f [..., d_sae] and returns the edited latents (a new tensor or f itself,
    /// edited in place). A null edit splices in the plain reconstruction.
    /// </summary>
    public static (HookName Name, HookFunction Function) Edit(SparseAutoencoder sae, Func<Tensor, Tensor>? edit, bool withErrorTerm = true) =>
        (RequireHook(sae), (activation, hook) =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = Flatten(sae, activation, hook);                                             // [..., d_in]
            var latents = sae.Encode(x);                                                        // [..., d_sae]
            var reconstruction = sae.Decode(latents);
            var output = edit is null ? reconstruction : sae.Decode(edit(latents.clone()));
            if (withErrorTerm) output = output + (x.to_type(output.dtype) - reconstruction);
            return Unflatten(output, activation).MoveToOuterDisposeScope();
        });

    /// <summary>Sets the given latents to zero at every position (with the error term kept by default).</summary>
    public static (HookName Name, HookFunction Function) Ablate(SparseAutoencoder sae, IReadOnlyCollection<int> latents, bool withErrorTerm = true)
    {
        var index = CheckLatents(sae, latents);
        return Edit(sae, f => f.index_fill_(-1, IndexTensor(index, f.device), 0), withErrorTerm);
    }

    /// <summary>Sets a latent to <paramref name="value"/> at every position (with the error term kept by default).</summary>
    public static (HookName Name, HookFunction Function) Clamp(SparseAutoencoder sae, int latent, double value, bool withErrorTerm = true)
    {
        var index = CheckLatents(sae, [latent]);
        return Edit(sae, f => f.index_fill_(-1, IndexTensor(index, f.device), value), withErrorTerm);
    }

    /// <summary>
    /// Steering: adds <paramref name="coefficient"/> × latent <paramref name="latent"/>'s decoder direction (in the
    /// model's units, W_dec[i] / s) to the activation at every position, without encoding anything.
    /// </summary>
    public static (HookName Name, HookFunction Function) Steer(SparseAutoencoder sae, int latent, double coefficient)
    {
        CheckLatents(sae, [latent]);
        return (RequireHook(sae), (activation, hook) =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = Flatten(sae, activation, hook);
            var direction = sae.DecoderWeight[latent].detach() * (coefficient / sae.Config.InputScale);   // [d_in]
            return Unflatten(x + direction.to_type(x.dtype), activation).MoveToOuterDisposeScope();
        });
    }

    /// <summary>Zero-ablates the SAE's hook (the baseline of the loss-recovered metric).</summary>
    public static (HookName Name, HookFunction Function) ZeroAblate(SparseAutoencoder sae) =>
        (RequireHook(sae), (activation, _) => zeros_like(activation));

    /// <summary>
    /// Throws an <see cref="InterpException"/> unless <paramref name="sae"/> can attach to <paramref name="model"/>: its
    /// hook_name must be one of the model's hooks and its d_in that hook's width.
    /// </summary>
    public static void CheckFits(SparseAutoencoder sae, Gpt2 model)
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(model);
        var hook = RequireHook(sae);
        HookName parsed;
        try
        {
            parsed = HookName.Parse(hook.Name, model.Config.NLayer);
        }
        catch (InterpException e)
        {
            throw new InterpException($"{sae.Describe()}: hook_name in cfg.json is not a hook of this model ({e.Message})", e);
        }
        sae.CheckFits(parsed, model.Config.WidthOf(parsed));
        if (!sae.Config.IsTranscoder) return;
        HookName output;
        try
        {
            output = HookName.Parse(sae.Config.OutputHookName, model.Config.NLayer);
        }
        catch (InterpException e)
        {
            throw new InterpException($"{sae.Describe()}: hook_name_out in cfg.json is not a hook of this model ({e.Message})", e);
        }
        if (model.Config.WidthOf(output) != sae.DOut)
            throw new InterpException($"{sae.Describe()}: d_out={sae.DOut} does not match hook {output}, whose width is {model.Config.WidthOf(output)}");
    }

    private static HookName RequireHook(SparseAutoencoder sae)
    {
        ArgumentNullException.ThrowIfNull(sae);
        if (string.IsNullOrWhiteSpace(sae.Config.HookName))
            throw new InterpException($"{sae.Describe()}: cfg.json has no hook_name, so the SAE cannot be attached to a model");
        return new HookName(sae.Config.HookName);
    }

    /// <summary>The activation as [..., d_in]: heads flattened for attention q/k/v/z; the width checked.</summary>
    private static Tensor Flatten(SparseAutoencoder sae, Tensor activation, HookName hook)
    {
        var x = activation.dim() == 4 && hook.Name.Contains(".attn.hook_", StringComparison.Ordinal)
            ? activation.flatten(2)                                                             // [B, T, nh·hs]
            : activation;
        sae.CheckFits(hook, x.shape[^1]);
        return x;
    }

    private static Tensor Unflatten(Tensor output, Tensor activation) =>
        output.reshape(activation.shape).to_type(activation.dtype);

    private static long[] CheckLatents(SparseAutoencoder sae, IReadOnlyCollection<int> latents)
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(latents);
        foreach (var latent in latents)
            if (latent < 0 || latent >= sae.DSae)
                throw new InterpException($"{sae.Describe()}: latent {latent} is out of range (d_sae={sae.DSae})");
        return latents.Select(l => (long)l).ToArray();
    }

    private static Tensor IndexTensor(long[] index, Device device) => tensor(index, dtype: ScalarType.Int64, device: device);
}
