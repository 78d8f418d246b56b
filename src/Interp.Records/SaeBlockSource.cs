using Interp.Core;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Records;

/// <summary>
/// An SAE's latents over another source's activations: each block of the inner source is encoded
/// (<see cref="SparseAutoencoder.Encode"/>, one dispose scope per block) and the requested latents are kept. The inner
/// blocks are cut small enough that a block's full <c>[rows × d_sae]</c> latents stay within the block budget.
/// </summary>
public sealed class SaeBlockSource : IActivationBlockSource
{
    private readonly IActivationBlockSource _inner;
    private readonly SparseAutoencoder _sae;
    private readonly int _blockValues;

    /// <summary>Encodes <paramref name="inner"/>'s activations with <paramref name="sae"/>.</summary>
    /// <param name="inner">The activations the SAE reads (its width must be the SAE's d_in).</param>
    /// <param name="sae">The SAE (kept open by the caller).</param>
    /// <param name="blockValues">The most latent values (rows × d_sae) to compute at once.</param>
    /// <exception cref="InterpException">The SAE's d_in is not the activations' width, or its hook is another one.</exception>
    public SaeBlockSource(IActivationBlockSource inner, SparseAutoencoder sae, int blockValues = 4 << 20)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(sae);
        if (sae.DIn != inner.Width)
            throw new InterpException($"{sae.Describe()}: d_in={sae.DIn} does not match the activations at {inner.Hook}, whose width is {inner.Width}");
        var saeHook = sae.Config.HookName;
        if (saeHook.Length > 0 && saeHook != inner.Hook)
            throw new InterpException($"{sae.Describe()}: {SaeFolder.ConfigFileName} has hook_name '{saeHook}', but the activations are from '{inner.Hook}'");
        (_inner, _sae, _blockValues) = (inner, sae, Math.Max(1, blockValues));
    }

    /// <inheritdoc />
    public string Hook => _inner.Hook;

    /// <inheritdoc />
    public int Width => _sae.DSae;

    /// <inheritdoc />
    public int Ctx => _inner.Ctx;

    /// <inheritdoc />
    public long Contexts => _inner.Contexts;

    /// <inheritdoc />
    public IEnumerable<ContextBlock> Blocks(int[] units, int maxContexts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(units);
        if (units.Length == 0 || units[0] < 0 || units[^1] >= Width) throw new ArgumentException($"units must lie in [0, {Width})", nameof(units));
        var inputs = Enumerable.Range(0, _inner.Width).ToArray();
        var perBlock = Math.Max(1, Math.Min(maxContexts, _blockValues / ((long)Ctx * Math.Max(_sae.DSae, _sae.DIn))));
        var all = units.Length == Width;
        var device = _sae.Device;
        using var selection = all ? null : tensor(units.Select(u => (long)u).ToArray(), device: device);
        foreach (var block in _inner.Blocks(inputs, (int)perBlock, cancellationToken))
        {
            float[] values;
            using (no_grad())
            using (NewDisposeScope())
            {
                var rows = block.Contexts.Length * Ctx;
                var x = TensorArrays.FromFloats(block.Values, [rows, _sae.DIn]).to(device);   // (n·T, d_in)
                var latents = _sae.Encode(x);                                                // (n·T, d_sae)
                if (selection is not null) latents = latents.index_select(1, selection);     // (n·T, units)
                values = TensorArrays.ToFloats(latents);
            }
            yield return new ContextBlock(block.Contexts, Ctx, units.Length, values);
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<long, int[]> ContextTokens(IReadOnlyCollection<long> contexts) => _inner.ContextTokens(contexts);
}
