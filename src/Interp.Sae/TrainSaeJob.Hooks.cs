using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;

namespace Interp.Sae;

public sealed partial class TrainSaeJob
{
    /// <summary>
    /// The runs <paramref name="options"/> asks for: itself when <see cref="TrainSaeJobOptions.Hook"/> is a hook name or
    /// null; with a glob (<c>blocks.*.hook_resid_post</c>), one per hook store of the store root that it matches, in the
    /// model's order, each into <c>OutDirectory/&lt;hook&gt;/</c>. A glob matching no store is refused naming the closest hook.
    /// </summary>
    public static IReadOnlyList<TrainSaeJobOptions> PerHook(TrainSaeJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Hook is not { } pattern || !HookGlob.IsGlob(pattern)) return [options];
        var stored = StoredHooks(options.Activations);
        var hooks = HookGlob.Expand([pattern], stored, exact: name => new HookName(name),
            (glob, closest) => TrainSaeJobOptions.Refuse(n => $"{n(nameof(TrainSaeJobOptions.Hook))} '{glob}' matches no hook stored in {options.Activations}; " +
                                                              $"the closest is {closest} (stored: {string.Join(", ", stored)})"));
        return hooks.Select(h => options with { Hook = h.Name, OutDirectory = Path.Combine(options.OutDirectory, h.Name) }).ToArray();
    }

    /// <summary>
    /// Opens every run of <see cref="PerHook"/>, each checked as <see cref="Open"/> checks one, so that nothing trains when
    /// any of them would be refused. The caller disposes them.
    /// </summary>
    public static IReadOnlyList<TrainSaeJob> OpenEach(TrainSaeJobOptions options)
    {
        var jobs = new List<TrainSaeJob>();
        try
        {
            foreach (var one in PerHook(options)) jobs.Add(Open(one));
            return jobs;
        }
        catch
        {
            foreach (var job in jobs) job.Dispose();
            throw;
        }
    }

    /// <summary>The hooks with a store under <paramref name="activations"/>, in the model's forward order (blocks.2 before blocks.10).</summary>
    private static IReadOnlyList<HookName> StoredHooks(string activations)
    {
        var manifests = ActivationStoreReader.HookFolders(activations).Select(ActivationManifest.Load).ToArray();
        if (manifests.Length == 0)
            throw new InterpException($"{activations}: not an activation store (no {ActivationManifest.FileName} here or in its subfolders)");
        var nLayer = manifests.Max(m => m.Model.Config["n_layer"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0);
        var names = manifests.Select(m => m.Hook).ToHashSet(StringComparer.Ordinal);
        var forward = HookName.All(nLayer).Where(h => names.Contains(h.Name)).ToList();
        forward.AddRange(names.Except(forward.Select(h => h.Name)).Order(StringComparer.Ordinal).Select(h => new HookName(h)));   // not a hook of that depth
        return forward;
    }
}
