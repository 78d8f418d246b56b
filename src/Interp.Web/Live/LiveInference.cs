using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Records;
using Interp.Sae;
using Interp.Web.ModelWorker;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Web.Live;

/// <summary>Live inference on the model worker: run the text to the hook, pick the most active units, copy them out as arrays.</summary>
public static class LiveInference
{
    /// <summary>Runs <paramref name="request"/> (on the worker thread).</summary>
    /// <exception cref="InterpException">Empty text, an unknown hook, an SAE that does not fit, or a focus unit out of range.</exception>
    public static LiveActivations Run(ModelSession session, LiveRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(request);
        var model = session.ModelFor(request.SaeFolder);
        var ids = session.Tokenizer.Encode(request.Text);
        if (ids.Length == 0) throw new InterpException("type some text first");
        var limit = Math.Min(request.MaxTokens, model.Config.NPositions);
        var truncated = ids.Length > limit;
        if (truncated) ids = ids[..limit];
        var tokens = session.Tokenizer.TokenStrings(ids);

        var sae = request.SaeFolder is null ? null : session.Sae(request.SaeFolder);
        var hook = sae is not null ? new HookName(sae.Config.HookName) : HookName.Parse(request.Hook, model.Config.NLayer);
        var hookWidth = model.Config.WidthOf(hook);                                    // refuses attention scores and patterns
        cancellationToken.ThrowIfCancellationRequested();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], device: model.Device);
        var (_, cache) = model.RunWithCache(input, [hook], stopAtLastHook: true);
        using (cache)
        {
            var a = cache[hook][0].reshape(ids.Length, hookWidth);                    // (T, d); q/k/v/z heads flattened, as SAELens reads hook_z
            if (sae is not null) a = sae.Encode(a.to(model.Device));                  // (T, d_sae)
            a = a.to_type(ScalarType.Float32).cpu().contiguous();
            var width = (int)a.shape[1];
            var k = Math.Clamp(request.TopUnits, 1, width);
            var (_, top) = a.max(0).values.topk(k);                                   // (k)
            var units = top.data<long>().Select(i => (int)i).ToArray();
            var values = a.index_select(1, top).contiguous().data<float>().ToArray(); // (T, k)
            var focus = request.FocusUnit ?? units[0];
            if (focus < 0 || focus >= width) throw new InterpException($"unit {focus} is out of range: {(sae is null ? hook.Name : "the SAE")} has {width} units (0–{width - 1})");
            var focusValues = a.select(1, focus).contiguous().data<float>().ToArray();
            var source = new UnitSource(sae is null ? UnitKind.Neuron : sae.Config.IsTranscoder ? UnitKind.TranscoderLatent : UnitKind.SaeLatent, hook).ToString();
            return new LiveActivations(source, tokens, ids, width, units, values, focus, focusValues, truncated);
        }
    }
}
