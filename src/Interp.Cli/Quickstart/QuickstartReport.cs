using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.AutoInterp.Batch;
using Interp.Records;
using Interp.Web.Units;

namespace Interp.Cli.Quickstart;

/// <summary>What the quickstart made, in a few lines: the SAE's evaluation, the explanation scores, the best-explained units and where to see them.</summary>
public static class QuickstartReport
{
    /// <summary>The summary lines: the SAE's evaluation, each source's scores and its three best-explained units.</summary>
    public static IEnumerable<string> Describe(QuickstartLayout layout)
    {
        if (Read(layout.SaeEvaluation) is { } eval)
            yield return $"SAE      {eval["architecture"]} d_sae {eval["d_sae"]} at {eval["hook_name"]}: L0 {Number(eval["l0"], "F1")}, " +
                         $"explained variance {Number(eval["explained_variance"], "F3")}, loss recovered {Number(eval["loss_recovered"], "F3")} " +
                         $"({eval["tokens"]} {(eval["skipped_tokens"]?.GetValue<long>() > 0 ? "held-out" : "harvested")} tokens)";
        foreach (var (label, results) in new[] { ("neurons", layout.NeuronResults), ("latents", layout.LatentResults) })
        {
            if (Read(Path.Combine(results, AutoInterpRunner.SummaryFileName)) is not { } summary) continue;
            var correlation = summary["correlation"];
            yield return $"{label,-8} {summary["ok"]} of {summary["units"]} explained; correlation mean {Number(correlation?["mean"], "F3")}, " +
                         $"median {Number(correlation?["median"], "F3")}; detection balanced accuracy {Number(summary["detection"]?["balanced_accuracy"], "F2")}, " +
                         $"fuzzing {Number(summary["fuzzing"]?["balanced_accuracy"], "F2")}";
            foreach (var best in Best(Path.Combine(results, ResultsFile.FileName), 3))
                yield return $"           {best.Scores!.Correlation,6:F3}  {Shorten(best.Explanation ?? "", 60),-60}  {best.Unit}";
        }
    }

    /// <summary>Where the served run's unit lists and overview are; <paramref name="baseUrl"/> ends with a slash.</summary>
    public static IEnumerable<string> Links(QuickstartLayout layout, string runName, string baseUrl, string query)
    {
        foreach (var records in new[] { layout.NeuronRecords, layout.LatentRecords })
            if (Read(Path.Combine(records, RecordsManifest.FileName))?["source"]?.GetValue<string>() is { } source)
                yield return $"units    {baseUrl}{UnitUrls.List(runName, source)}{query}";
        yield return $"overview {baseUrl}{UnitUrls.Overview(runName)}{query}";
        if (Web.Graph.TranscoderFolders.Of(layout.Run).Count > 0)
            yield return $"graph    {baseUrl}{UnitUrls.Graph(runName, ExamplePrompt)}{(query.Length == 0 ? "" : "&" + query[1..])}";
    }

    /// <summary>The prompt the graph page link opens with.</summary>
    public const string ExamplePrompt = "To be, or not to be, that is the";

    private static IEnumerable<UnitResult> Best(string resultsPath, int count) =>
        File.Exists(resultsPath)
            ? ResultsFile.ReadAll(resultsPath, headsOnly: true).Where(r => r.Ok && r.Scores?.Correlation is not null)
                .OrderByDescending(r => r.Scores!.Correlation).Take(count)
            : [];

    private static JsonNode? Read(string path)
    {
        try { return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null; }
        catch (JsonException) { return null; }
    }

    private static string Number(JsonNode? node, string format) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) ? d.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static string Shorten(string text, int length)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= length ? line : line[..(length - 1)] + "…";
    }
}
