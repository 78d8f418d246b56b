using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Import;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests.Import;

/// <summary>Imported explanations are scored exactly as autointerp scores its own, several per unit, resumably.</summary>
public class ScoreImportedTests
{
    private const string Mlp = "blocks.0.mlp.hook_post";

    private static readonly Lazy<IReadOnlyList<UnitRecord>> Family =
        new(() => SyntheticUnits.Family(Synthetic.Corpus, 16, source: Mlp).Select(u => u.Record).ToList());

    private const string AllScorers = "correlation,detection,fuzzing";

    private static UnitPipeline Offline() => PipelineFactory.Create(ExplainerKind.Offline, SimulatorKind.Auto, JudgeKind.Auto,
        new PipelineOptions(ScorerKinds.Correlation | ScorerKinds.Detection | ScorerKinds.Fuzzing), llm: null);

    private static ScoreJobOptions Options(string explanations, string outDir, string format = "auto", string scorers = AllScorers) => new()
    {
        Explanations = explanations, Format = format,
        Scoring = new AutoInterpJobOptions { OutDirectory = outDir, Scorers = scorers, Concurrency = 2 },
    };

    private static IReadOnlyList<UnitResult> Results(string dir) => ResultsFile.ReadAll(Path.Combine(dir, ResultsFile.FileName));

    [Fact]
    public async Task Interps_own_openai_export_fed_back_reproduces_autointerps_scores_to_1e_6()
    {
        using var dir = new Synthetic.TempDir();
        var source = new InMemoryUnitRecordSource(Family.Value);
        var auto = Path.Combine(dir.Path, "auto");
        await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, auto, concurrency: 2);
        var own = Results(auto).ToDictionary(r => r.Unit);

        // Once as written, once with only OpenAI's own fields (the unit from neuron_id's layer and index).
        var export = Path.Combine(auto, OpenAiExport.FileName);
        var openAiOnly = Path.Combine(dir.Path, "openai-only.jsonl");
        File.WriteAllLines(openAiOnly, File.ReadAllLines(export).Select(l =>
        {
            var line = JsonNode.Parse(l)!.AsObject();
            line.Remove("unit");
            return line.ToJsonString();
        }));
        foreach (var (file, name) in new[] { (export, "as-written"), (openAiOnly, "openai-only") })
        {
            var outDir = Path.Combine(dir.Path, name);
            using var job = ScoreJob.Prepare(source, Options(file, outDir, format: "openai"));
            Assert.Equal(ExplanationFormat.OpenAi, job.Import.Format);
            Assert.Empty(job.Import.Malformed);
            var outcome = await job.RunAsync();
            Assert.Equal((16, 0), (outcome.Done, outcome.Failed));
            foreach (var scored in Results(outDir))
            {
                var mine = own[scored.Unit];
                Assert.Equal("pattern", scored.Simulator);
                Assert.Equal(mine.Explanation, scored.Explanation);
                Assert.Equal(mine.Scores!.Correlation!.Value, scored.Scores!.Correlation!.Value, 1e-6);
                Assert.Equal(mine.Scores.Detection, scored.Scores.Detection);
                Assert.Equal(mine.Scores.Fuzzing, scored.Scores.Fuzzing);
            }
        }
    }

    [Fact]
    public async Task Several_explanations_per_unit_are_each_scored_ranked_best_first_and_a_rerun_scores_none_twice()
    {
        using var dir = new Synthetic.TempDir();
        var units = Family.Value.Take(4).ToList();
        var source = new InMemoryUnitRecordSource(units);
        var auto = Path.Combine(dir.Path, "auto");
        await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, auto, concurrency: 1);
        var own = Results(auto);

        // Each unit: its own explanation and the next unit's.
        var file = Path.Combine(dir.Path, "mine.jsonl");
        File.WriteAllLines(file, own.SelectMany((r, i) => new[]
        {
            Line(r.Unit, r.Explanation!, "own"),
            Line(r.Unit, own[(i + 1) % own.Count].Explanation!, "other"),
        }));
        var outDir = Path.Combine(dir.Path, "scored");
        using (var job = ScoreJob.Prepare(source, Options(file, outDir)))
        {
            Assert.Equal(ExplanationFormat.Interp, job.Import.Format);
            Assert.Equal(8, (await job.RunAsync()).Done);
        }
        var lines = File.ReadAllLines(Path.Combine(outDir, ResultsFile.FileName));
        Assert.Equal(8, lines.Length);
        Assert.All(lines, l => Assert.Contains("\"source\":", l));

        var ranking = File.ReadAllLines(Path.Combine(outDir, Ranking.FileName)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"{Mlp}/{i}"), ranking.Select(r => r.GetProperty("unit").GetString()));   // by index, whatever the finishing order
        foreach (var unit in ranking)
        {
            var entries = unit.GetProperty("explanations").EnumerateArray().ToList();
            Assert.Equal(2, entries.Count);
            Assert.Equal("own", entries[0].GetProperty("source").GetString());
            Assert.True(entries[0].GetProperty("correlation").GetDouble() >= entries[1].GetProperty("correlation").GetDouble());
        }

        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, AutoInterpRunner.SummaryFileName))).RootElement;
        Assert.Equal(8, summary.GetProperty("ok").GetInt32());
        Assert.Equal(4, summary.GetProperty("sources").GetProperty("own").GetProperty("ok").GetInt32());

        using var again = ScoreJob.Prepare(source, Options(file, outDir));
        var second = await again.RunAsync();
        Assert.Equal((8, 0), (second.Skipped, second.Done));
        Assert.Equal(lines, File.ReadAllLines(Path.Combine(outDir, ResultsFile.FileName)));
    }

    [Fact]
    public async Task Each_units_own_explanation_beats_another_units_on_average_under_correlation_detection_and_fuzzing()
    {
        using var dir = new Synthetic.TempDir();
        var source = new InMemoryUnitRecordSource(Family.Value);
        var auto = Path.Combine(dir.Path, "auto");
        await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, auto, concurrency: 2);
        var own = Results(auto);
        // Sentences only, as a colleague would hand them over: the pattern simulator reads them back by the grammar.
        var file = Path.Combine(dir.Path, "own-and-other.jsonl");
        File.WriteAllLines(file, own.SelectMany((r, i) => new[]
        {
            Line(r.Unit, r.Explanation!, "own"), Line(r.Unit, own[(i + 5) % own.Count].Explanation!, "other"),
        }));
        using var job = ScoreJob.Prepare(source, Options(file, Path.Combine(dir.Path, "scored")));
        Assert.Equal(32, job.Simulators["pattern"]);
        var summary = (await job.RunAsync()).Summary;
        var (mine, other) = (summary.Sources["own"], summary.Sources["other"]);
        Assert.True(mine.Correlation.Mean > other.Correlation.Mean + 0.3, $"{mine.Correlation.Mean} vs {other.Correlation.Mean}");
        Assert.True(mine.Detection!.BalancedAccuracy > other.Detection!.BalancedAccuracy, $"{mine.Detection.BalancedAccuracy} vs {other.Detection.BalancedAccuracy}");
        Assert.True(mine.Fuzzing!.BalancedAccuracy > other.Fuzzing!.BalancedAccuracy, $"{mine.Fuzzing.BalancedAccuracy} vs {other.Fuzzing.BalancedAccuracy}");
    }

    [Fact]
    public void Known_units_are_kept_unknown_units_listed_once_and_each_malformed_line_named_by_its_number()
    {
        using var dir = new Synthetic.TempDir();
        var file = Path.Combine(dir.Path, "mixed.jsonl");
        File.WriteAllLines(file,
        [
            Line($"{Mlp}/0", "fires on \" the\"", "a"),
            Line($"{Mlp}/0", "the word the", "b"),
            "{not json",
            Line($"{Mlp}/1", "fires on a number", "a"),
            Line("blocks.9.mlp.hook_post/3", "anything", "a"),
            "",
            """{"unit": "blocks.0.mlp.hook_post/2"}""",
            Line("blocks.9.mlp.hook_post/3", "something else", "a"),
            Line("sae:blocks.1.hook_resid_pre/7", "x", "a"),
            Line($"{Mlp}/0", "fires on \" the\"", "a"),
        ]);
        var import = ExplanationImport.Read(file, ExplanationFormat.Auto, Family.Value.Select(u => u.Id));
        Assert.Equal(ExplanationFormat.Interp, import.Format);
        Assert.Equal(["a", "b", "a"], import.Explanations.Select(e => e.Source));
        Assert.Equal([$"{file}:3: not JSON", $"{file}:7: no \"explanation\" string"], import.Malformed.Select(m => m.Split(" (")[0]));
        Assert.Equal(["blocks.9.mlp.hook_post/3", "sae:blocks.1.hook_resid_pre/7"], import.UnknownUnits);
        Assert.Equal(1, import.Duplicates);
        Assert.Equal($"{file}: 3 explanations of 2 units the records do not have: blocks.9.mlp.hook_post/3, sae:blocks.1.hook_resid_pre/7", import.DescribeUnknown());

        File.WriteAllLines(file, ["{not json", Line("blocks.9.mlp.hook_post/3", "x", "a")]);
        var source = new InMemoryUnitRecordSource(Family.Value);
        var refused = Assert.Throws<NothingToScoreException>(() => ScoreJob.Prepare(source, Options(file, Path.Combine(dir.Path, "out"))));
        Assert.Equal($"{file}: nothing to score: no explanation of a unit the records have (1 malformed line, 1 explanation of units the records do not have)", refused.Message);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out")));
    }

    internal static string Line(string unit, string explanation, string source) =>
        JsonSerializer.Serialize(new { unit, explanation, source });
}
