using Interp.Core.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model;

/// <summary>
/// A function attached to a hook point. It sees the activation as it passes and either returns null (read only) or a
/// tensor of the same shape that replaces it for the rest of the forward pass (ablation, patching, steering).
/// </summary>
public delegate Tensor? HookFunction(Tensor activation, HookName hook);

/// <summary>
/// An identity at one named activation (TransformerLens's HookPoint). Not a TorchSharp module: it holds no weights,
/// so the module tree and its state-dict keys stay exactly Hugging Face's.
/// </summary>
public sealed class HookPoint(HookName name)
{
    private readonly List<HookFunction> _functions = [];

    public HookName Name { get; } = name;

    public bool HasHooks => _functions.Count > 0;

    /// <summary>Runs every attached function in order; each may replace the activation.</summary>
    public Tensor Apply(Tensor x)
    {
        for (var i = 0; i < _functions.Count; i++)
        {
            var replaced = _functions[i](x, Name);
            if (replaced is null) continue;
            if (!replaced.shape.SequenceEqual(x.shape))
                throw new InvalidOperationException(
                    $"hook on {Name} returned shape [{string.Join(", ", replaced.shape)}], expected [{string.Join(", ", x.shape)}]");
            x = replaced;
        }
        return x;
    }

    internal void Add(HookFunction function) => _functions.Add(function);

    internal void Remove(HookFunction function) => _functions.Remove(function);
}
