using System.Text.Json.Nodes;
using Interp.AutoInterp.Batch;
using Interp.Records;
using Interp.Core;
using Interp.Core.Store;
using Interp.Sae;

namespace Interp.Cli.Quickstart;

/// <summary>
/// The quickstart's run folder (<see cref="RunLayout"/>: the layout <c>interp serve</c> looks for) and whether each stage's
/// output there is complete.
/// </summary>
public sealed class QuickstartLayout(string runFolder) : RunLayout(runFolder)
{
    /// <summary>Every hook's store is there and marked complete.</summary>
    public bool HarvestComplete(IEnumerable<string> hooks) => hooks.All(hook =>
    {
        var folder = ActivationsOf(hook);
        if (!File.Exists(Path.Combine(folder, ActivationManifest.FileName))) return false;
        try { return ActivationManifest.Load(folder).Complete; }
        catch (InterpException) { return false; }
    });

    /// <summary>Training wrote its final weights (only written at the end).</summary>
    public bool SaeComplete => TrainingComplete(Sae);

    /// <summary>Training stopped part-way and left a checkpoint to resume from.</summary>
    public bool SaeStarted => TrainingStarted(Sae);

    /// <summary>SAE or transcoder training wrote its final weights into <paramref name="folder"/>.</summary>
    public static bool TrainingComplete(string folder) => SaeFolder.IsComplete(folder);

    /// <summary>SAE or transcoder training stopped part-way in <paramref name="folder"/> and left a checkpoint to resume from.</summary>
    public static bool TrainingStarted(string folder) => Directory.Exists(folder) && Directory.EnumerateDirectories(folder, "checkpoint*").Any();

    /// <summary>A records store is finished once <c>records.db</c> is renamed from <c>records.db.partial</c>.</summary>
    public static bool RecordsComplete(string folder) => File.Exists(Path.Combine(folder, UnitRecordStore.DatabaseFileName));

    /// <summary>The autointerp run has a result for every unit of its records (or for <paramref name="units"/> of them, when given).</summary>
    public static bool ResultsComplete(string recordsFolder, string resultsFolder, int? units = null)
    {
        var summaryPath = Path.Combine(resultsFolder, AutoInterpRunner.SummaryFileName);
        var manifestPath = Path.Combine(recordsFolder, RecordsManifest.FileName);
        if (!File.Exists(summaryPath) || !File.Exists(manifestPath)) return false;
        try
        {
            var done = JsonNode.Parse(File.ReadAllText(summaryPath))?["units"]?.GetValue<int>();
            var all = RecordsManifest.Parse(File.ReadAllText(manifestPath), manifestPath).UnitCount;
            return done == (units is { } some ? Math.Min(some, all) : all);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or InterpException or IOException)
        {
            return false;
        }
    }
}
