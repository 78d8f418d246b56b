using Interp.Core.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model;

public sealed partial class Gpt2
{
    /// <summary>
    /// Attaches hook functions until the returned handle is disposed (TransformerLens's <c>hooks()</c> context):
    /// <c>using (model.Hooks((HookName.MlpPost(0), (a, _) => zeros_like(a)))) { ... }</c>. Unknown names throw before
    /// anything is attached.
    /// </summary>
    public IDisposable Hooks(params (HookName Name, HookFunction Function)[] hooks)
    {
        var points = hooks.Select(hook => (Point: GetHookPoint(hook.Name), hook.Function)).ToArray();
        foreach (var (point, function) in points) point.Add(function);
        return new HookRegistration(points);
    }

    /// <summary>Runs the model with hooks attached for this call only; returns logits <c>(B, T, V)</c>.</summary>
    public Tensor RunWithHooks(Tensor tokens, params (HookName Name, HookFunction Function)[] hooks)
    {
        using (Hooks(hooks)) return Run(tokens);
    }

    /// <summary>
    /// Runs the model and keeps the activations at <paramref name="names"/> (all hook points when null) in an
    /// <see cref="ActivationCache"/> of detached CPU tensors that the caller disposes. With
    /// <paramref name="stopAtLastHook"/>, no block past the deepest requested hook is computed and the returned logits are null.
    /// </summary>
    public (Tensor? Logits, ActivationCache Cache) RunWithCache(Tensor tokens, IEnumerable<HookName>? names = null, bool stopAtLastHook = false)
    {
        var wanted = (names ?? _hooks.Values.Select(p => p.Name)).Distinct().ToArray();
        var cache = new ActivationCache();
        HookFunction keep = (activation, hook) =>
        {
            cache.Add(hook, activation.detach().cpu().clone());
            return null;
        };
        try
        {
            using var scope = NewDisposeScope();
            using var registration = Hooks(wanted.Select(n => (n, keep)).ToArray());
            var output = Run(tokens, stopAtLastHook ? StopAfter(wanted) : null);
            var logits = stopAtLastHook ? null : output.MoveToOuterDisposeScope();
            return (logits, cache);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    private sealed class HookRegistration((HookPoint Point, HookFunction Function)[] points) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var (point, function) in points) point.Remove(function);
        }
    }
}
