using Interp.Web.Live;
using Interp.Web.Runs;

namespace Interp.Web.Circuits;

/// <summary>
/// Which copy of the served model a circuit page analyses: the model as served, or as an SAE of a run reads it (with
/// the TransformerLens weight processing its cfg.json asks for, as the live page runs it). Keys go to the browser;
/// folders stay on the server.
/// </summary>
/// <param name="Key">What the browser sends back (<c>served</c> or <c>sae:RUN/NAME</c>).</param>
/// <param name="Label">What the browser shows.</param>
/// <param name="SaeFolder">The SAE whose processing to use, or null for the served model.</param>
public sealed record ModelChoice(string Key, string Label, string? SaeFolder)
{
    /// <summary>The key of the served model.</summary>
    public const string Served = "served";

    /// <summary>The served model first, then one choice per SAE in the runs whose hook the model has.</summary>
    public static IReadOnlyList<ModelChoice> Build(ModelDescription model, IReadOnlyList<RunInfo> runs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(runs);
        var served = new ModelChoice(Served, $"{Path.GetFileName(model.Name.TrimEnd('/', '\\'))} as served ({model.Layers} layers, d_model {model.DModel})", null);
        var saes = SourceOption.Build(model, runs).Where(o => o.SaeFolder is not null)
            .Select(o => new ModelChoice(o.Key, $"as {o.Label} reads it", o.SaeFolder));
        return [served, .. saes];
    }
}
