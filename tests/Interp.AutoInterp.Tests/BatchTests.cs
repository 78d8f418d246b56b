using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Llm;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests;

public class BatchTests
{
    private static readonly Lazy<IReadOnlyList<UnitRecord>> Family =
        new(() => SyntheticUnits.Family(Synthetic.Corpus, 48).Select(u => u.Record).ToList());

    private static UnitPipeline Offline() => PipelineFactory.Create(ExplainerKind.Offline, SimulatorKind.Auto, JudgeKind.Auto,
        new PipelineOptions(ScorerKinds.Correlation | ScorerKinds.Detection | ScorerKinds.Fuzzing), llm: null);

    private static string[] Lines(string dir) => File.ReadAllLines(Path.Combine(dir, ResultsFile.FileName));

    private static string[] Sorted(string dir) => Lines(dir).OrderBy(l => l, StringComparer.Ordinal).ToArray();

    private static string UnitOf(string line) => JsonDocument.Parse(line).RootElement.GetProperty("unit").GetString()!;

    [Fact]
    public async Task An_interrupted_batch_resumed_gives_the_same_results_as_a_clean_run_and_scores_no_unit_twice()
    {
        using var clean = new Synthetic.TempDir();
        using var resumed = new Synthetic.TempDir();
        var source = new InMemoryUnitRecordSource(Family.Value);

        var full = await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, clean.Path, concurrency: 3);
        Assert.False(full.Cancelled);
        Assert.Equal(48, full.Done);

        using var cts = new CancellationTokenSource();
        var first = await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, resumed.Path, concurrency: 3,
            progress: p => { if (p.Done >= 15) cts.Cancel(); }, cancellationToken: cts.Token);
        Assert.True(first.Cancelled);
        var afterKill = Lines(resumed.Path).Length;
        Assert.InRange(afterKill, 15, 47);

        // A kill mid-write leaves a torn last line: the re-run cuts it off and redoes that unit.
        var resultsPath = Path.Combine(resumed.Path, ResultsFile.FileName);
        var torn = Lines(resumed.Path)[^1];
        File.WriteAllText(resultsPath, string.Join("\n", Lines(resumed.Path)[..^1]) + "\n" + torn[..(torn.Length / 2)]);

        var second = await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, resumed.Path, concurrency: 3);
        Assert.False(second.Cancelled);
        Assert.Equal(afterKill - 1, second.Skipped);
        Assert.Equal(48 - (afterKill - 1), second.Done);

        Assert.Equal(Sorted(clean.Path), Sorted(resumed.Path));
        Assert.Equal(48, Lines(resumed.Path).Select(UnitOf).Distinct().Count());
        Assert.Equal(48, Lines(resumed.Path).Length);
        Assert.Equal(File.ReadAllText(Path.Combine(clean.Path, AutoInterpRunner.SummaryFileName)),
            File.ReadAllText(Path.Combine(resumed.Path, AutoInterpRunner.SummaryFileName)));

        var third = await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, resumed.Path, concurrency: 3);
        Assert.Equal((48, 0), (third.Skipped, third.Done));
    }

    [Fact]
    public async Task The_offline_batch_writes_results_summary_and_an_openai_shaped_export()
    {
        using var dir = new Synthetic.TempDir();
        var source = new InMemoryUnitRecordSource(Family.Value.Take(12));
        var outcome = await new AutoInterpRunner(source, Offline()).RunAsync(source.Units, dir.Path, concurrency: 2);
        Assert.Equal(12, outcome.Summary.Ok);
        Assert.True(outcome.Summary.Correlation.Mean >= 0.9, $"{outcome.Summary.Correlation.Mean}");
        Assert.Equal(1.0, outcome.Summary.Correlation.ShareAtLeast08);
        Assert.NotNull(outcome.Summary.Detection?.FrequencyWeightedF1);

        var line = JsonDocument.Parse(Lines(dir.Path)[0]).RootElement;
        Assert.Equal("ok", line.GetProperty("status").GetString());
        var record = line.GetProperty("records")[0];
        Assert.Equal(record.GetProperty("tokens").GetArrayLength(), record.GetProperty("true").GetArrayLength());
        Assert.Equal(record.GetProperty("tokens").GetArrayLength(), record.GetProperty("simulated").GetArrayLength());
        Assert.True(line.GetProperty("pattern").GetProperty("rules").GetArrayLength() > 0);

        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, AutoInterpRunner.SummaryFileName))).RootElement;
        Assert.Equal(12, summary.GetProperty("ok").GetInt32());
        Assert.Equal(20, summary.GetProperty("correlation").GetProperty("counts").GetArrayLength());

        var export = File.ReadAllLines(Path.Combine(dir.Path, OpenAiExport.FileName));
        Assert.Equal(12, export.Length);
        var neuron = JsonDocument.Parse(export[0]).RootElement;
        Assert.Equal("NeuronSimulationResults", neuron.GetProperty("dataclass_name").GetString());
        Assert.InRange(neuron.GetProperty("neuron_id").GetProperty("neuron_index").GetInt32(), 0, 11);
        Assert.StartsWith("synthetic/", neuron.GetProperty("unit").GetString());
        var scored = neuron.GetProperty("scored_explanations")[0];
        Assert.False(string.IsNullOrEmpty(scored.GetProperty("explanation").GetString()));
        var simulation = scored.GetProperty("scored_simulation");
        Assert.True(simulation.GetProperty("ev_correlation_score").GetDouble() > 0.5);
        var sequence = simulation.GetProperty("scored_sequence_simulations")[0];
        Assert.Equal(sequence.GetProperty("true_activations").GetArrayLength(), sequence.GetProperty("simulation").GetProperty("expected_activations").GetArrayLength());
        Assert.Equal("simulated_normalized_activations", sequence.GetProperty("simulation").GetProperty("activation_scale").GetString());
    }

    [Fact]
    public async Task A_malformed_llm_answer_fails_that_unit_with_the_reason_and_the_batch_goes_on_and_a_rerun_costs_nothing()
    {
        using var dir = new Synthetic.TempDir();
        var units = new[] { Synthetic.FiresOnThe, Synthetic.Unit(7, SyntheticUnits.OnToken(" of")), Synthetic.Unit(8, SyntheticUnits.OnToken(" and")) };
        var source = new InMemoryUnitRecordSource(units);
        // The explainer answers with blank lines for the unit that fires on " of".
        // Every 7th request is first refused with 429 (Retry-After: 0): the runner's client retries it.
        await using var server = ReplayServer.Start(r =>
            r.Number % 7 == 0 ? new ReplayAnswer.Status(429, RetryAfter: "0")
            : ReplayScripts.IsExplainer(r) && r.LastUserMessage.Contains(" of\t10") ? new ReplayAnswer.Chat("\n\n")
            : ReplayScripts.KnowsThe(r));
        var options = new LlmOptions
        {
            Endpoint = server.Endpoint, Model = "replay", BaseDelay = TimeSpan.FromMilliseconds(5),
            CacheDirectory = Path.Combine(dir.Path, "cache"),
        };
        UnitPipeline Pipeline(ILlmClient llm) => PipelineFactory.Create(ExplainerKind.Llm, SimulatorKind.Auto, JudgeKind.Auto,
            new PipelineOptions(ScorerKinds.Correlation), llm);

        using (var llm = new LlmClient(options))
        {
            var outcome = await new AutoInterpRunner(source, Pipeline(llm), llm).RunAsync(source.Units, dir.Path, concurrency: 2);
            Assert.Equal((2, 1), (outcome.Done, outcome.Failed));
            Assert.True(outcome.Progress.LlmRequests > 0);
            Assert.True(outcome.Progress.Retries > 0);
        }
        var failed = Lines(dir.Path).Select(l => JsonDocument.Parse(l).RootElement).Single(e => e.GetProperty("status").GetString() == "failed");
        Assert.Equal("synthetic/7", failed.GetProperty("unit").GetString());
        Assert.Contains("explainer answer has no explanation line", failed.GetProperty("error").GetString());

        var before = server.Requests;
        using (var llm = new LlmClient(options))
        {
            var rerun = await new AutoInterpRunner(source, Pipeline(llm), llm).RunAsync(source.Units, dir.Path, concurrency: 2);
            Assert.Equal((3, 0, 0), (rerun.Skipped, rerun.Done, rerun.Failed));
        }
        Assert.Equal(before, server.Requests);

        // Retrying the failed unit asks again (the malformed answer was not cached); the rest comes from the cache.
        using (var llm = new LlmClient(options))
        {
            var retry = await new AutoInterpRunner(source, Pipeline(llm), llm).RunAsync(source.Units, dir.Path, concurrency: 2, retryFailed: true);
            Assert.Equal(1, retry.Failed);
            Assert.Equal(1, llm.Usage.Requests);
        }
    }

    [Fact]
    public void Unit_filters_take_all_indices_ranges_and_full_ids()
    {
        var units = Enumerable.Range(0, 10).Select(i => new UnitId("blocks.0.mlp.hook_post", i)).ToList();
        Assert.Equal(10, UnitFilter.Select(units, "all").Count);
        Assert.Equal([2, 3, 4, 7], UnitFilter.Select(units, "2-4,7").Select(u => u.Index));
        Assert.Equal([5], UnitFilter.Select(units, "blocks.0.mlp.hook_post/5").Select(u => u.Index));
        Assert.ThrowsAny<Core.InterpException>(() => UnitFilter.Select(units, "4-2"));
        Assert.ThrowsAny<Core.InterpException>(() => UnitFilter.Select(units, "50-60"));
    }

    [Fact]
    public void Unit_records_round_trip_through_jsonl()
    {
        using var dir = new Synthetic.TempDir();
        JsonlUnitRecordSource.Write(dir.Path, Family.Value.Take(3));
        var source = JsonlUnitRecordSource.Open(dir.Path);
        Assert.Equal(Family.Value.Take(3).Select(u => u.Id), source.Units);
        var read = source.Read(source.Units[1]);
        var original = Family.Value[1];
        Assert.Equal(original.Top.Count, read.Top.Count);
        Assert.Equal(original.Top[0].Tokens, read.Top[0].Tokens);
        Assert.Equal(original.Top[0].Activations, read.Top[0].Activations);
        Assert.Equal(original.Density, read.Density);
    }
}
