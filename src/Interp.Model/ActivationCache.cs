using Interp.Core;
using Interp.Core.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model;

/// <summary>
/// Activations captured by <see cref="Gpt2.RunWithCache"/>, by hook name: detached CPU tensors that this cache owns and
/// disposes (they live outside any dispose scope).
/// </summary>
public sealed class ActivationCache : IDisposable
{
    private readonly Dictionary<string, Tensor> _activations = [];

    public IReadOnlyCollection<string> Names => _activations.Keys;

    public int Count => _activations.Count;

    public Tensor this[HookName name] => _activations.TryGetValue(name.Name, out var t)
        ? t
        : throw new InterpException($"hook '{name}' is not in this cache (cached: {string.Join(", ", _activations.Keys.Take(8))}{(_activations.Count > 8 ? ", …" : "")})");

    public bool Contains(HookName name) => _activations.ContainsKey(name.Name);

    internal void Add(HookName name, Tensor activation)
    {
        activation.DetachFromDisposeScope();
        if (_activations.Remove(name.Name, out var previous)) previous.Dispose();
        _activations[name.Name] = activation;
    }

    public void Dispose()
    {
        foreach (var t in _activations.Values) t.Dispose();
        _activations.Clear();
    }
}
