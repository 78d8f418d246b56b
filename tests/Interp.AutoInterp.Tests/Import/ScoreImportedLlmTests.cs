using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Import;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests.Import;

/// <summary>Free-text explanations go to the LLM simulator and judge when an endpoint is set (the replay server), with autointerp's cache.</summary>
public class ScoreImportedLlmTests
{
    [Fact]
    public async Task With_an_endpoint_free_text_is_simulated_and_judged_by_the_llm_and_a_rerun_asks_nothing_again()
    {
        await using var server = ReplayServer.Start(ReplayScripts.KnowsThe);
        using var dir = new Synthetic.TempDir();
        var the = Synthetic.FiresOnThe with { Id = new UnitId("blocks.2.mlp.hook_post", 0) };
        var digits = Synthetic.FiresOnDigits with { Id = new UnitId("blocks.2.mlp.hook_post", 1) };
        var source = new InMemoryUnitRecordSource([the, digits]);
        var file = Path.Combine(dir.Path, "hypotheses.jsonl");
        File.WriteAllLines(file,
        [
            ScoreImportedTests.Line("blocks.2.mlp.hook_post/0", ReplayScripts.Explanation, "colleague"),
            ScoreImportedTests.Line("blocks.2.mlp.hook_post/1", ReplayScripts.Explanation, "colleague"),
            ScoreImportedTests.Line("blocks.2.mlp.hook_post/1", "fires on a number", "interp"),
        ]);
        var options = new ScoreJobOptions
        {
            Explanations = file,
            Scoring = new AutoInterpJobOptions
            {
                OutDirectory = Path.Combine(dir.Path, "out"), Scorers = "correlation,detection,fuzzing", DelphiExamples = 6,
                LlmEndpoint = server.Endpoint, LlmModel = "replay", Concurrency = 2,
            },
        };
        using (var job = ScoreJob.Prepare(source, options))
        {
            Assert.Equal(new Dictionary<string, int> { ["llm-logprobs"] = 2, ["pattern"] = 1 }, job.Simulators);
            var outcome = await job.RunAsync();
            Assert.Equal((3, 0), (outcome.Done, outcome.Failed));
        }
        var asked = server.Requests;
        Assert.True(asked > 0);
        Assert.Contains(server.Received, r => ReplayScripts.IsSimulator(r) && r.LastUserMessage.Contains(ReplayScripts.Explanation));

        var results = ResultsFile.ReadAll(Path.Combine(dir.Path, "out", ResultsFile.FileName));
        var onThe = results.Single(r => r.Unit == "blocks.2.mlp.hook_post/0");
        Assert.Equal(("imported", "llm-logprobs", "llm", "colleague"), (onThe.Explainer, onThe.Simulator, onThe.Judge, onThe.Source));
        Assert.True(onThe.Scores!.Correlation > 0.9, $"{onThe.Scores.Correlation}");
        Assert.True(onThe.Scores.Detection!.BalancedAccuracy > 0.9, $"{onThe.Scores.Detection.BalancedAccuracy}");
        // The same words on the digits unit: the LLM predicts " the", which that unit does not fire on.
        var wrong = results.Single(r => r.Unit == "blocks.2.mlp.hook_post/1" && r.Source == "colleague");
        Assert.True(wrong.Scores!.Correlation is null or < 0.3, $"{wrong.Scores.Correlation}");
        var pattern = results.Single(r => r.Source == "interp");
        Assert.Equal(("pattern", "pattern"), (pattern.Simulator, pattern.Judge));

        // Re-run into the same folder: everything is finished, nothing is asked again.
        using var again = ScoreJob.Prepare(source, options);
        var second = await again.RunAsync();
        Assert.Equal((3, 0), (second.Skipped, second.Done));
        Assert.Equal(asked, server.Requests);
    }
}
