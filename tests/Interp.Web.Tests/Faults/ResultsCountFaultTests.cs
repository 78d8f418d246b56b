using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.AutoInterp.Batch;
using Interp.Web.Runs;
using Interp.Web.Tests.Support;

namespace Interp.Web.Tests.Faults;

/// <summary>The Runs page counts a results file with extra lines as autointerp's summary does (issue #12, point 6).</summary>
public sealed class ResultsCountFaultTests
{
    [Fact]
    public void Extra_lines_in_results_jsonl_are_not_counted_and_the_runs_page_says_what_was_ignored()
    {
        var runs = TestPaths.NewTempFolder("runs");
        var run = Path.Combine(runs, FixtureRun.Name);
        CopyFolder(FixtureRun.Shared.RunFolder, run);
        var results = Path.Combine(run, "autointerp", "neurons", ResultsFile.FileName);
        var lines = File.ReadAllLines(results);
        var stranger = JsonNode.Parse(lines[0])!.AsObject();
        stranger["unit"] = FixtureRun.MlpHook + "/100000";
        File.AppendAllText(results, lines[1] + "\n" + stranger.ToJsonString() + "\n" + "{\"unit\":\"sae:nowhere/3\",\"status\":\"ok\"}\n");

        var info = RunScanner.Scan(run, FixtureRun.Name).Results.Single(r => r.Path == results);

        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "autointerp", "neurons", AutoInterpRunner.SummaryFileName))).RootElement;
        Assert.Equal(summary.GetProperty("units").GetInt32(), info.Units);
        Assert.Equal(FixtureRun.Explained, info.Units);
        Assert.NotNull(info.Ignored);
        Assert.Contains("1 earlier line", info.Ignored);
        Assert.Contains("/100000", info.Ignored);
        Assert.Contains("sae:nowhere/3", info.Ignored);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
