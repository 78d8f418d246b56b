using Interp.Core.Hooks;
using Interp.Core.Records;
using Interp.Web.Runs;

namespace Interp.Web.Live;

/// <summary>
/// A choice of units for the live and steering pages: a hook's neurons (<c>hook:NAME</c>) or an SAE's latents
/// (<c>sae:RUN/NAME</c>). Keys go to the browser; folders stay on the server.
/// </summary>
/// <param name="Key">What the browser sends back.</param>
/// <param name="Label">What the browser shows.</param>
/// <param name="Hook">The hook (for an SAE, the hook it reads).</param>
/// <param name="SaeFolder">The SAE folder, or null for neurons.</param>
/// <param name="Run">The run the SAE belongs to, or null.</param>
/// <param name="Transcoder">The SAE folder holds a transcoder (its latents are <c>transcoder:L</c>).</param>
public sealed record SourceOption(string Key, string Label, string Hook, string? SaeFolder, string? Run, bool Transcoder = false)
{
    /// <summary>The unit source name used by records stores: the hook, <c>sae:</c> and the hook, or <c>transcoder:</c> and the block.</summary>
    public string UnitSource => new UnitSource(SaeFolder is null ? UnitKind.Neuron : Transcoder ? UnitKind.TranscoderLatent : UnitKind.SaeLatent, new HookName(Hook)).ToString();

    /// <summary>The model's per-token hooks, then every SAE in the runs whose hook the model has.</summary>
    public static IReadOnlyList<SourceOption> Build(ModelDescription model, IReadOnlyList<RunInfo> runs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(runs);
        var hooks = model.Hooks.ToHashSet(StringComparer.Ordinal);
        var saes = runs.SelectMany(r => r.Saes.Where(s => hooks.Contains(s.Hook)).Select(s =>
            new SourceOption($"sae:{r.Name}/{s.Name}", $"{(s.IsTranscoder ? "transcoder" : "SAE")} {r.Name}/{s.Name} ({s.Hook}, {s.DSae} latents)", s.Hook, s.Folder, r.Name, s.IsTranscoder)));
        return saes.Concat(model.Hooks.Select(h => new SourceOption("hook:" + h, h + " (neurons)", h, null, null))).ToArray();
    }

    /// <summary>
    /// The options steering can use: all but transcoders, whose decoder rows belong at the MLP's output, not at the hook
    /// they read (where steering adds a unit's direction).
    /// </summary>
    public static IReadOnlyList<SourceOption> ForSteering(IReadOnlyList<SourceOption> options) =>
        options.Where(o => !o.Transcoder).ToArray();

    /// <summary>
    /// The option for unit source <paramref name="source"/> of <paramref name="run"/> (from a unit page link): its SAE when
    /// it is <c>sae:HOOK</c>, else the hook; null when none matches.
    /// </summary>
    public static SourceOption? ForUnitSource(IReadOnlyList<SourceOption> options, string? run, string? source)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Core.Records.UnitSource.TryParse(source, out var parsed)) return null;
        return parsed.IsSae
            ? options.FirstOrDefault(o => o.SaeFolder is not null && o.Transcoder == parsed.IsTranscoder && o.Hook == parsed.Hook.Name && (run is null || o.Run == run))
            : options.FirstOrDefault(o => o.SaeFolder is null && o.Hook == parsed.Hook.Name);
    }

    /// <summary>The default: the middle block's MLP neurons when the model has them, else the first option.</summary>
    public static SourceOption? Default(IReadOnlyList<SourceOption> options, ModelDescription model) =>
        options.FirstOrDefault(o => o.Key == $"hook:blocks.{model.Layers / 2}.mlp.hook_post") ?? options.FirstOrDefault();
}
