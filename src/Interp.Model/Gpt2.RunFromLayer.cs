using Interp.Core;
using static TorchSharp.torch;

namespace Interp.Model;

public sealed partial class Gpt2
{
    /// <summary>
    /// The blocks from <paramref name="startAtLayer"/> on (TransformerLens's <c>forward(…, start_at_layer=L)</c>), run on
    /// <paramref name="residual"/> <c>(B, T, d)</c>, the input of that block (whose <c>hook_resid_pre</c> fires first);
    /// returns the last block's output <c>(B, T, d)</c>, before ln_final. Positions start at 0. Intermediates are disposed
    /// as in <see cref="Run"/>.
    /// </summary>
    public Tensor RunFromLayer(Tensor residual, int startAtLayer)
    {
        ArgumentNullException.ThrowIfNull(residual);
        ArgumentOutOfRangeException.ThrowIfNegative(startAtLayer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(startAtLayer, Config.NLayer);
        if (residual.dim() != 3 || residual.shape[2] != Config.NEmbd || residual.shape[1] > Config.NPositions)
            throw new InterpException($"residual must be (batch, positions ≤ {Config.NPositions}, {Config.NEmbd}); got shape [{string.Join(", ", residual.shape)}]");
        using var scope = NewDisposeScope();
        var x = residual;
        for (var l = startAtLayer; l < Config.NLayer; l++) x = h[l].call(x, null);
        return x.MoveToOuterDisposeScope();
    }
}
