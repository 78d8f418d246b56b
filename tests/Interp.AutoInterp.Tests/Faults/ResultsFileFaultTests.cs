using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.AutoInterp.Batch;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests.Faults;

/// <summary>
/// <c>results.jsonl</c> edited or damaged by hand (issue #12, point 6): the summary counts only the source's units, the
/// last complete line of each, and one line says what was ignored.
/// </summary>
public sealed class ResultsFileFaultTests
{
    private static readonly Lazy<IReadOnlyList<UnitRecord>> Family =
        new(() => SyntheticUnits.Family(Synthetic.Corpus, 8).Select(u => u.Record).ToList());

    private static UnitPipeline Offline() => PipelineFactory.Create(ExplainerKind.Offline, SimulatorKind.Auto, JudgeKind.Auto,
        new PipelineOptions(ScorerKinds.Correlation), llm: null);

    [Fact]
    public async Task Extra_lines_are_not_counted_the_last_line_of_a_unit_wins_and_one_line_says_what_was_ignored()
    {
        using var dir = new Synthetic.TempDir();
        var source = new InMemoryUnitRecordSource(Family.Value);
        var first = await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, dir.Path, concurrency: 2);
        Assert.Equal(8, first.Summary.Units);
        Assert.Null(first.Ignored);

        // A second line for one unit (edited explanation), a unit the source does not have, and a line that is not JSON.
        var resultsPath = Path.Combine(dir.Path, ResultsFile.FileName);
        var lines = File.ReadAllLines(resultsPath);
        var edited = JsonNode.Parse(lines[2])!.AsObject();
        var editedUnit = edited["unit"]!.GetValue<string>();
        edited["explanation"] = "edited by hand";
        var stranger = JsonNode.Parse(lines[3])!.AsObject();
        var strangerUnit = source.Units[0].Source + "/999";
        stranger["unit"] = strangerUnit;
        File.AppendAllText(resultsPath, edited.ToJsonString() + "\n" + stranger.ToJsonString() + "\n" + "not json at all\n");

        var second = await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, dir.Path, concurrency: 2);

        Assert.Equal((8, 0), (second.Skipped, second.Done));
        Assert.Equal(8, second.Summary.Units);
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, AutoInterpRunner.SummaryFileName))).RootElement;
        Assert.Equal(8, summary.GetProperty("units").GetInt32());
        Assert.NotNull(second.Ignored);
        Assert.DoesNotContain('\n', second.Ignored);
        Assert.Contains("counted 8 units", second.Ignored);
        Assert.Contains("1 earlier line", second.Ignored);
        Assert.Contains(strangerUnit, second.Ignored);
        Assert.Contains($"line {lines.Length + 3}", second.Ignored);

        var export = File.ReadAllLines(Path.Combine(dir.Path, OpenAiExport.FileName)).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(8, export.Count);
        Assert.DoesNotContain(export, e => e["unit"]!.GetValue<string>() == strangerUnit);
        var exportedEdit = export.Single(e => e["unit"]!.GetValue<string>() == editedUnit);
        Assert.Equal("edited by hand", exportedEdit["scored_explanations"]![0]!["explanation"]!.GetValue<string>());
    }

    [Fact]
    public void A_tally_of_a_file_with_a_torn_last_line_reports_nothing_for_it()
    {
        using var dir = new Synthetic.TempDir();
        var path = Path.Combine(dir.Path, ResultsFile.FileName);
        File.WriteAllText(path, "{\"unit\":\"h/1\",\"status\":\"ok\"}\n{\"unit\":\"h/2\",\"sta");

        var tally = ResultsTally.Read(path, _ => true);

        Assert.Equal(["h/1"], tally.Results.Select(r => r.Unit));
        Assert.Null(tally.Describe(path));
    }
}
