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
    public bool SaeComplete => SaeFolder.IsComplete(Sae);

    /// <summary>Training stopped part-way and left a checkpoint to resume from.</summary>
    public bool SaeStarted => Directory.Exists(Sae) && Directory.EnumerateDirectories(Sae, "checkpoint*").Any();

    /// <summary>A records store is finished once <c>records.db</c> is renamed from <c>records.db.partial</c>.</summary>
    public static bool RecordsComplete(string folder) => File.Exists(Path.Combine(folder, UnitRecordStore.DatabaseFileName));

    /// <summary>The autointerp run has a result for every unit of its records.</summary>
    public static bool ResultsComplete(string recordsFolder, string resultsFolder)
    {
        var summaryPath = Path.Combine(resultsFolder, AutoInterpRunner.SummaryFileName);
        var manifestPath = Path.Combine(recordsFolder, RecordsManifest.FileName);
        if (!File.Exists(summaryPath) || !File.Exists(manifestPath)) return false;
        try
        {
            var units = JsonNode.Parse(File.ReadAllText(summaryPath))?["units"]?.GetValue<int>();
            return units == RecordsManifest.Parse(File.ReadAllText(manifestPath), manifestPath).UnitCount;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or InterpException or IOException)
        {
            return false;
        }
    }
}
