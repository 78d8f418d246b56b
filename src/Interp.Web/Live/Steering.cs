using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Records;
using Interp.Model;
using Interp.Sae;
using Interp.Web.ModelWorker;
using static TorchSharp.torch;

namespace Interp.Web.Live;

/// <summary>Steering on the model worker: the same generation with and without a hook that pushes one unit.</summary>
public static class Steering
{
    /// <summary>Runs <paramref name="request"/> (on the worker thread).</summary>
    /// <exception cref="InterpException">Empty prompt, unknown hook, unit out of range, or an SAE that does not fit.</exception>
    public static SteeringResult Run(ModelSession session, SteeringRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(request);
        var model = session.ModelFor(request.SaeFolder);
        var tokenizer = session.Tokenizer;
        var ids = tokenizer.Encode(request.Prompt);
        if (ids.Length == 0) throw new InterpException("type a prompt first");
        if (ids.Length > request.MaxPromptTokens) ids = ids[^request.MaxPromptTokens..];
        var newTokens = Math.Clamp(request.MaxNewTokens, 1, Math.Max(1, model.Config.NPositions - ids.Length));
        if (ids.Length + newTokens > model.Config.NPositions) ids = ids[^(model.Config.NPositions - newTokens)..];
        var options = new GenerationOptions(newTokens, request.Temperature, request.Temperature > 0 ? 40 : 0, request.Seed);

        (HookName Name, HookFunction Function) hook;
        string unit;
        if (request.SaeFolder is not null)
        {
            var sae = session.Sae(request.SaeFolder);
            hook = SaeHooks.Steer(sae, request.Unit, request.Strength);
            unit = new UnitId(UnitSource.SaeLatents(new HookName(sae.Config.HookName)).ToString(), request.Unit).ToString();
        }
        else
        {
            var name = HookName.Parse(request.Hook, model.Config.NLayer);
            var width = model.Config.WidthOf(name);
            if (request.Unit < 0 || request.Unit >= width) throw new InterpException($"neuron {request.Unit} is out of range: {name} has {width} (0–{width - 1})");
            hook = (name, AddToNeuron(request.Unit, request.Strength));
            unit = $"{name}/{request.Unit}";
        }

        var baseline = Generation.Generate(model, ids, options);
        cancellationToken.ThrowIfCancellationRequested();
        int[] steered;
        using (model.Hooks(hook)) steered = Generation.Generate(model, ids, options);
        return new SteeringResult(tokenizer.Decode(ids), unit, tokenizer.Decode(baseline.AsSpan(ids.Length)), tokenizer.Decode(steered.AsSpan(ids.Length)));
    }

    /// <summary>A hook that adds <paramref name="strength"/> to neuron <paramref name="unit"/> at every position (heads flattened for q/k/v/z).</summary>
    public static HookFunction AddToNeuron(int unit, double strength) => (activation, _) =>
    {
        var flat = activation.dim() == 4 ? activation.flatten(2) : activation;   // (B, T, d)
        var edited = flat.clone();
        edited.narrow(-1, unit, 1).add_(strength);
        return edited.reshape(activation.shape);
    };
}
