using Interp.Core.Hooks;
using Interp.Model;

namespace Interp.Web.Live;

/// <summary>What the live and steering pages offer for the served model: its size and the hooks that hold one vector per token.</summary>
/// <param name="Name">The model folder.</param>
/// <param name="Layers">Blocks.</param>
/// <param name="DModel">Residual width.</param>
/// <param name="Positions">Longest context.</param>
/// <param name="Hooks">Per-token hooks (attention scores and patterns left out), in forward order.</param>
public sealed record ModelDescription(string Name, int Layers, int DModel, int Positions, IReadOnlyList<string> Hooks)
{
    /// <summary>Describes <paramref name="model"/> (runs on the model worker).</summary>
    public static ModelDescription Of(Gpt2 model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = model.Config;
        var hooks = HookName.All(c.NLayer).Where(Gpt2Config.IsPerToken).Select(h => h.Name).ToArray();
        return new ModelDescription(model.SourceDirectory ?? "model", c.NLayer, c.NEmbd, c.NPositions, hooks);
    }
}
