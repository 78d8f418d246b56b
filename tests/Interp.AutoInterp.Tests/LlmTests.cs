using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Llm;
using Interp.AutoInterp.Score;
using Interp.AutoInterp.Simulate;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests;

public class LlmTests
{
    private static LlmOptions Options(ReplayServer server, string? cache = null) => new()
    {
        Endpoint = server.Endpoint, Model = "replay", ApiKey = "test-key",
        Timeout = TimeSpan.FromSeconds(10), BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromSeconds(5),
        CacheDirectory = cache,
    };

    private static readonly ActivationRecord TheCat = new([1, 2, 3, 4], ["The", " cat", " the", "\n"], [0, 0, 2, 0]);

    [Fact]
    public async Task The_llm_explainer_sends_the_record_prompt_and_reads_the_completed_sentence()
    {
        await using var server = ReplayServer.Start(ReplayScripts.KnowsThe);
        using var llm = new LlmClient(Options(server));
        var unit = Synthetic.FiresOnThe;
        var explanation = await new LlmExplainer(llm).ExplainAsync(unit, RecordSplits.Of(unit).Train, CancellationToken.None);
        Assert.Equal(ReplayScripts.Explanation, explanation.Text);
        var request = Assert.Single(server.Received);
        Assert.Equal(1.0, request.Temperature);
        Assert.Equal("replay", request.Model);
        Assert.Equal(["system", "user", "assistant", "user", "assistant", "user"], request.Messages.Select(m => m.Role));
        Assert.Equal(10, RecordFormat.Parse(request.LastUserMessage).Count); // 5 train records, then the same 5 without zeros
        Assert.Contains(" the\t10", request.LastUserMessage);
        Assert.EndsWith(ExplainerPrompt.Lead, request.LastUserMessage);
        // Sparse records (under 20% non-zero) are shown a second time without the zero lines.
        Assert.Contains("only the tokens with non-zero activation", request.LastUserMessage);
        Assert.True(llm.Usage.InputTokens > 0 && llm.Usage.OutputTokens > 0);
    }

    [Fact]
    public async Task The_logprob_simulator_takes_the_expected_value_over_0_to_10()
    {
        await using var server = ReplayServer.Start(ReplayScripts.KnowsThe);
        using var llm = new LlmClient(Options(server));
        var sims = await new LlmSimulator(llm, logProbs: true).SimulateAsync(new Explanation(ReplayScripts.Explanation), [TheCat], CancellationToken.None);
        var sim = Assert.Single(sims);
        Assert.False(sim.Changed);
        // " the": 0.8·10 + 0.2·0 = 8 ; others: 0.9·0 + 0.1·1 = 0.1
        Assert.Equal([0.1f, 0.1f, 8f, 0.1f], sim.Expected.Select(v => MathF.Round(v, 4)));
        Assert.Equal([10f, 0f], sim.Distributions![2].Values);
        var request = Assert.Single(server.Received);
        Assert.True(request.LogProbs);
        Assert.Equal(15, request.TopLogProbs);
        Assert.Contains("\\n\tunknown", request.LastUserMessage);
    }

    [Fact]
    public async Task The_logprob_simulator_reads_a_ten_written_as_two_tokens_and_falls_back_where_a_one_is_ambiguous()
    {
        // A tokenizer that writes "10" as "1", "0": at " the" it writes 1 (p 0.8, else 0), then 0 (p 0.9, else the line
        // ends), so P(10) = 0.72, P(1) = 0.08 and the expectation is 7.28, not 0.8. Where it wrote 0 with 0.1 on "1",
        // what would follow that "1" is unknown (1 or 10?): the written 0 stands.
        static IReadOnlyList<TopLogProb>? Split(string? previous, string token) => (previous, token) switch
        {
            (_, "1") => [new("1", Math.Log(0.8)), new("0", Math.Log(0.2))],
            ("1", "0") => [new("0", Math.Log(0.9)), new("\n", Math.Log(0.1))],
            (_, "0") => [new("0", Math.Log(0.9)), new("1", Math.Log(0.1))],
            _ => null,
        };
        await using var server = ReplayServer.Start(r => new ReplayAnswer.Chat(ReplayScripts.Simulate(r.LastUserMessage, t => t == " the" ? 10 : 0),
            SplitDigits: true, AlternativesAfter: Split));
        using var llm = new LlmClient(Options(server));

        var sim = (await new LlmSimulator(llm, logProbs: true).SimulateAsync(new Explanation(ReplayScripts.Explanation), [TheCat], CancellationToken.None)).Single();

        Assert.Equal([0f, 0f, 7.28f, 0f], sim.Expected.Select(v => MathF.Round(v, 4)));
        var the = sim.Distributions![2]!;
        Assert.Equal(0.72f, the.Probabilities[Array.IndexOf(the.Values, 10f)], 1e-5f);
        Assert.Equal(0.08f, the.Probabilities[Array.IndexOf(the.Values, 1f)], 1e-5f);
        Assert.Equal([0f], sim.Distributions[0]!.Values);
    }

    [Fact]
    public async Task The_logprob_simulator_falls_back_to_the_written_values_when_the_endpoint_returns_none()
    {
        await using var server = ReplayServer.Start(r => new ReplayAnswer.Chat(ReplayScripts.Simulate(r.LastUserMessage, t => t == " the" ? 6 : 0), WithoutLogProbs: true));
        using var llm = new LlmClient(Options(server));
        var sim = (await new LlmSimulator(llm, logProbs: true).SimulateAsync(new Explanation("x"), [TheCat], CancellationToken.None)).Single();
        Assert.True(server.Received[0].LogProbs);
        Assert.Equal([0f, 0f, 6f, 0f], sim.Expected);
        Assert.Null(sim.Distributions);
    }

    [Fact]
    public async Task The_text_simulator_uses_the_written_values_and_a_changed_record_counts_as_zeros()
    {
        await using var server = ReplayServer.Start(r => r.LastUserMessage.Contains(" dog")
            ? new ReplayAnswer.Chat("<start>\nA\t3\n dog\t9\n<end>")
            : new ReplayAnswer.Chat(ReplayScripts.Simulate(r.LastUserMessage, t => t == " the" ? 7 : 0)));
        using var llm = new LlmClient(Options(server));
        var simulator = new LlmSimulator(llm, logProbs: false);
        var sims = await simulator.SimulateAsync(new Explanation("x"), [TheCat, new ActivationRecord([5, 6, 7], ["A", " dog", " barks"], [0, 1, 0])], CancellationToken.None);
        Assert.Equal([0f, 0f, 7f, 0f], sims[0].Expected);
        Assert.Null(sims[0].Distributions);
        Assert.False(server.Received[0].LogProbs);
        Assert.True(sims[1].Changed);
        Assert.Equal([0f, 0f, 0f], sims[1].Expected);
    }

    [Fact]
    public async Task A_malformed_simulator_answer_throws_and_is_not_kept_in_the_cache()
    {
        using var dir = new Synthetic.TempDir();
        var answers = 0;
        await using var server = ReplayServer.Start(r => Interlocked.Increment(ref answers) == 1
            ? new ReplayAnswer.Chat("I cannot do that.")
            : new ReplayAnswer.Chat(ReplayScripts.Simulate(r.LastUserMessage, _ => 1)));
        using var llm = new LlmClient(Options(server, dir.Path));
        var simulator = new LlmSimulator(llm, logProbs: false);
        var e = await Assert.ThrowsAsync<MalformedAnswerException>(() => simulator.SimulateAsync(new Explanation("x"), [TheCat], CancellationToken.None));
        Assert.Contains("no <start>", e.Message);
        var again = await simulator.SimulateAsync(new Explanation("x"), [TheCat], CancellationToken.None);
        Assert.Equal([1f, 1f, 1f, 1f], again[0].Expected);
        Assert.Equal(2, server.Requests);

        await using var bad = ReplayServer.Start(r => new ReplayAnswer.Chat("<start>\nThe\t0\n cat\tmany\n the\t1\n\\n\t0\n<end>"));
        using var badLlm = new LlmClient(Options(bad));
        var notNumber = await Assert.ThrowsAsync<MalformedAnswerException>(() => new LlmSimulator(badLlm, false).SimulateAsync(new Explanation("x"), [TheCat], CancellationToken.None));
        Assert.Contains("'many' is not a number", notNumber.Message);
    }

    [Fact]
    public async Task Retries_honour_Retry_After_on_429_and_back_off_on_500()
    {
        await using var server = ReplayServer.Start(r => r.Number switch
        {
            1 => new ReplayAnswer.Status(429, RetryAfter: "1"),
            2 => new ReplayAnswer.Status(500),
            3 => new ReplayAnswer.Status(503),
            _ => new ReplayAnswer.Chat("fine"),
        });
        using var llm = new LlmClient(Options(server));
        var clock = Stopwatch.StartNew();
        var response = await llm.CompleteAsync(new LlmRequest([new("user", "hi")], 0, 5), CancellationToken.None);
        Assert.Equal("fine", response.Text);
        Assert.Equal(4, server.Requests);
        Assert.Equal(3, llm.Usage.Retries);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"waited only {clock.Elapsed}");
    }

    [Fact]
    public async Task A_request_that_hangs_past_the_timeout_is_retried()
    {
        await using var server = ReplayServer.Start(r => r.Number == 1 ? new ReplayAnswer.Hang(TimeSpan.FromSeconds(30)) : new ReplayAnswer.Chat("second"));
        using var llm = new LlmClient(Options(server) with { Timeout = TimeSpan.FromSeconds(2) });
        var clock = Stopwatch.StartNew();
        var response = await llm.CompleteAsync(new LlmRequest([new("user", "hi")], 0, 5), CancellationToken.None);
        Assert.Equal("second", response.Text);
        Assert.Equal(1, llm.Usage.Retries);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Retries_give_up_after_the_last_attempt_and_a_client_error_is_not_retried()
    {
        await using var server = ReplayServer.Start(r => r.LastUserMessage == "bad" ? new ReplayAnswer.Status(400) : new ReplayAnswer.Status(500));
        using var llm = new LlmClient(Options(server) with { MaxAttempts = 3 });
        var exhausted = await Assert.ThrowsAsync<LlmException>(() => llm.CompleteAsync(new LlmRequest([new("user", "x")], 0, 5), CancellationToken.None));
        Assert.Contains("after 3 attempts: HTTP 500", exhausted.Message);
        Assert.Equal(3, server.Requests);
        var client = await Assert.ThrowsAsync<LlmException>(() => llm.CompleteAsync(new LlmRequest([new("user", "bad")], 0, 5), CancellationToken.None));
        Assert.Contains("HTTP 400", client.Message);
        Assert.Equal(4, server.Requests);
    }

    [Fact]
    public async Task Answers_are_cached_on_disk_so_a_rerun_sends_nothing()
    {
        using var dir = new Synthetic.TempDir();
        await using var server = ReplayServer.Start(r => new ReplayAnswer.Chat("cached answer"));
        var request = new LlmRequest([new("system", "s"), new("user", "u")], 1.0, 60);
        using (var llm = new LlmClient(Options(server, dir.Path)))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => llm.CompleteAsync(request, CancellationToken.None)));
            Assert.Equal(1, server.Requests);
        }
        using (var again = new LlmClient(Options(server, dir.Path)))
        {
            var response = await again.CompleteAsync(request, CancellationToken.None);
            Assert.True(response.FromCache);
            Assert.Equal("cached answer", response.Text);
            Assert.Equal(1, again.Usage.CacheHits);
            Assert.Equal(0, again.Usage.Requests);
        }
        Assert.Equal(1, server.Requests);
        Assert.NotEqual(request.CacheKey("replay", 15), (request with { Temperature = 0 }).CacheKey("replay", 15));
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_fast_with_one_line()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var options = new LlmOptions { Endpoint = $"http://127.0.0.1:{port}/v1", Model = "m" };
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAnyAsync<InterpException>(() => LlmEndpoint.EnsureReachableAsync(options, TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Contains($"127.0.0.1:{port}/v1 is unreachable", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        await using var server = ReplayServer.Start(_ => new ReplayAnswer.Chat("x"));
        await LlmEndpoint.EnsureReachableAsync(Options(server), TimeSpan.FromSeconds(5));
        Assert.Throws<InterpException>(() => LlmOptions.Resolve(endpoint: "not a url", model: "m"));
    }

    [Fact]
    public async Task The_llm_judge_reads_the_0_1_list_with_probabilities_and_rejects_a_wrong_length()
    {
        await using var server = ReplayServer.Start(ReplayScripts.KnowsThe);
        using var llm = new LlmClient(Options(server));
        var samples = DelphiSampler.Detection(Synthetic.FiresOnThe, [], 6, 32, seed: 3);
        var result = await DelphiScoring.ScoreAsync(new LlmJudge(llm), new Explanation(ReplayScripts.Explanation), samples, DelphiTask.Detection, CancellationToken.None);
        Assert.Equal(12, result.Judgements.Count);
        Assert.Equal(3, server.Requests);
        Assert.All(result.Judgements, j => Assert.Equal(j.Says ? 0.7 : 0.4, j.Probability!.Value, 6));
        Assert.True(result.Scores.BalancedAccuracy >= 0.9, $"{result.Scores}");
        Assert.NotNull(result.Scores.Auc);

        await using var shortList = ReplayServer.Start(_ => new ReplayAnswer.Chat("[1, 0]"));
        using var shortLlm = new LlmClient(Options(shortList));
        var e = await Assert.ThrowsAsync<MalformedAnswerException>(() => new LlmJudge(shortLlm).JudgeAsync(new Explanation("x"), samples, DelphiTask.Fuzzing, CancellationToken.None));
        Assert.Contains("lists 2 values for 5 texts", e.Message);
    }

    [Fact]
    public async Task The_llm_pipeline_scores_a_correct_explanation_highly()
    {
        await using var server = ReplayServer.Start(ReplayScripts.KnowsThe);
        using var llm = new LlmClient(Options(server));
        var pipeline = PipelineFactory.Create(ExplainerKind.Llm, SimulatorKind.Auto, JudgeKind.Auto,
            new PipelineOptions(ScorerKinds.Correlation | ScorerKinds.Detection | ScorerKinds.Fuzzing, Calibrate: true), llm);
        var result = await pipeline.RunAsync(Synthetic.FiresOnThe, CancellationToken.None);
        Assert.Equal(("llm", "llm-logprobs", "llm"), (result.Explainer, result.Simulator, result.Judge));
        Assert.True(result.Scores!.Correlation >= 0.9, $"{result.Scores}");
        Assert.NotNull(result.Scores.Calibrated?.RSquared);
        Assert.True(result.Scores.Detection!.BalancedAccuracy >= 0.9);
        Assert.True(result.Scores.Fuzzing!.BalancedAccuracy >= 0.9);
        Assert.All(result.Records!, r => Assert.NotNull(r.Distributions));
    }
}
