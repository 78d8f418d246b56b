using System.Diagnostics;
using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Llm;
using Interp.AutoInterp.Score;

namespace Interp.AutoInterp.Batch;

/// <summary>What <c>interp bench autointerp</c> measured.</summary>
/// <param name="Units">Synthetic units run offline.</param>
/// <param name="Concurrency">Workers of the offline run.</param>
/// <param name="BuildSeconds">Time to build the synthetic unit records (not counted in the rate).</param>
/// <param name="OfflineSeconds">Explain + simulate + score (correlation, detection, fuzzing) + results written, all units.</param>
/// <param name="OfflineCpuSeconds">Processor time the process spent in that run (all threads): a figure that a busy machine disturbs less than wall time.</param>
/// <param name="MeanCorrelation">Mean correlation of the offline explanations (a sanity check).</param>
/// <param name="Phases">Milliseconds a unit per phase, single-threaded, in memory: explain, simulate + correlation, detection + fuzzing.</param>
/// <param name="Llm">Requests/s against the bench's local instant server, per concurrency.</param>
public sealed record AutoInterpBenchmarkResult(int Units, int Concurrency, double BuildSeconds, double OfflineSeconds, double OfflineCpuSeconds, double? MeanCorrelation,
    (double Explain, double Simulate, double Delphi) Phases, IReadOnlyList<LlmOverhead> Llm)
{
    /// <summary>Offline units per second.</summary>
    public double UnitsPerSecond => OfflineSeconds > 0 ? Units / OfflineSeconds : 0;

    /// <summary>Offline units per processor-second.</summary>
    public double UnitsPerCpuSecond => OfflineCpuSeconds > 0 ? Units / OfflineCpuSeconds : 0;
}

/// <summary>The LLM path's cost per request with an instant server: the client, HTTP, JSON and parsing, nothing else.</summary>
public sealed record LlmOverhead(int Concurrency, int Requests, double Seconds)
{
    /// <summary>Requests per second.</summary>
    public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;
    /// <summary>Milliseconds per request (wall time / requests).</summary>
    public double MillisecondsPerRequest => Requests > 0 ? 1000 * Seconds / Requests : 0;
}

/// <summary>
/// <c>interp bench autointerp</c>: offline explain + simulate + score throughput over synthetic units (the whole batch
/// runner, results file included), and the LLM path's overhead per request (explainer-sized prompts, cache off)
/// against the bench's own local <see cref="InstantChatServer"/> at several concurrencies.
/// </summary>
public static class AutoInterpBenchmark
{
    /// <summary>Runs both measurements.</summary>
    public static async Task<AutoInterpBenchmarkResult> RunAsync(int units, int llmRequests, IReadOnlyList<int> llmConcurrency, int concurrency,
        Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var corpus = SyntheticCorpus.WikiText(60_000);
        var family = SyntheticUnits.Family(corpus, units);
        var buildSeconds = clock.Elapsed.TotalSeconds;
        log?.Invoke($"built {units} synthetic units over {corpus.Length:N0} tokens in {buildSeconds:F1} s");

        var source = new InMemoryUnitRecordSource(family.Select(f => f.Record));
        var pipeline = PipelineFactory.Create(ExplainerKind.Offline, SimulatorKind.Auto, JudgeKind.Auto,
            new PipelineOptions(ScorerKinds.Correlation | ScorerKinds.Detection | ScorerKinds.Fuzzing), llm: null);
        // A warm-up run over the first units (JIT), then the measured run over all of them.
        await RunOfflineAsync(source, source.Units.Take(Math.Min(100, units)).ToList(), pipeline, concurrency, cancellationToken).ConfigureAwait(false);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        var outcome = await RunOfflineAsync(source, source.Units, pipeline, concurrency, cancellationToken).ConfigureAwait(false);
        var offlineSeconds = clock.Elapsed.TotalSeconds;
        var offlineCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        log?.Invoke($"offline: {units} units in {offlineSeconds:F2} s = {units / offlineSeconds:F0} units/s, results written " +
                    $"(the units alone {outcome.Elapsed.TotalSeconds:F2} s, summary + export {offlineSeconds - outcome.Elapsed.TotalSeconds:F2} s); " +
                    $"{offlineCpu:F2} processor-seconds = {units / offlineCpu:F0} units per processor-second; mean correlation {outcome.Summary.Correlation.Mean:F3}");

        var phases = await PhasesAsync(family.Select(f => f.Record).Take(Math.Min(200, family.Count)).ToList(), cancellationToken).ConfigureAwait(false);
        log?.Invoke($"per unit, one thread: explain {phases.Explain:F2} ms, simulate + correlation {phases.Simulate:F2} ms, detection + fuzzing {phases.Delphi:F2} ms");

        var overheads = new List<LlmOverhead>();
        await using (var server = InstantChatServer.Start("the main thing this unit does is find the token \" the\"."))
        {
            var options = new LlmOptions { Endpoint = server.Endpoint, Model = "bench", Timeout = TimeSpan.FromSeconds(30) };
            var requests = family.Take(Math.Max(1, Math.Min(llmRequests, family.Count)))
                .Select(f => new LlmExplainer(new NullLlm(), 5).Request(RecordSplits.Of(f.Record).Train)).ToList();
            while (requests.Count < llmRequests) requests.AddRange(requests.Take(llmRequests - requests.Count).ToList());
            using var llm = new LlmClient(options);
            await SendAsync(llm, requests.Take(Math.Min(20, requests.Count)).ToList(), 4, cancellationToken).ConfigureAwait(false);
            foreach (var c in llmConcurrency)
            {
                clock.Restart();
                await SendAsync(llm, requests, c, cancellationToken).ConfigureAwait(false);
                var overhead = new LlmOverhead(c, requests.Count, clock.Elapsed.TotalSeconds);
                overheads.Add(overhead);
                log?.Invoke($"llm path, concurrency {c}: {overhead.RequestsPerSecond:F0} requests/s ({overhead.MillisecondsPerRequest:F2} ms a request)");
            }
        }
        return new AutoInterpBenchmarkResult(units, concurrency, buildSeconds, offlineSeconds, offlineCpu, outcome.Summary.Correlation.Mean, phases, overheads);
    }

    private static async Task<(double Explain, double Simulate, double Delphi)> PhasesAsync(IReadOnlyList<Core.Records.UnitRecord> units, CancellationToken cancellationToken)
    {
        var explain = new Stopwatch();
        var simulate = new Stopwatch();
        var delphi = new Stopwatch();
        var explainer = new PatternExplainer();
        var simulator = new Simulate.PatternSimulator();
        var judge = new PatternJudge();
        foreach (var unit in units)
        {
            var splits = RecordSplits.Of(unit);
            explain.Start();
            var explanation = await explainer.ExplainAsync(unit, splits.Train, cancellationToken).ConfigureAwait(false);
            explain.Stop();
            simulate.Start();
            var scored = splits.Scored.Select(s => s.Record).ToList();
            var sims = await simulator.SimulateAsync(explanation, scored, cancellationToken).ConfigureAwait(false);
            SimulationScoring.Score(scored.Select(r => r.Activations).ToList(), sims.Select(s => s.Expected).ToList(), 0, 1);
            simulate.Stop();
            delphi.Start();
            var seed = StableSeed.Of(unit.Id.ToString());
            await DelphiScoring.ScoreAsync(judge, explanation, DelphiSampler.Detection(unit, splits.Train, 20, 32, seed), DelphiTask.Detection, cancellationToken).ConfigureAwait(false);
            await DelphiScoring.ScoreAsync(judge, explanation, DelphiSampler.Fuzzing(unit, splits.Train, 20, 32, seed + 1), DelphiTask.Fuzzing, cancellationToken).ConfigureAwait(false);
            delphi.Stop();
        }
        double Ms(Stopwatch w) => w.Elapsed.TotalMilliseconds / Math.Max(1, units.Count);
        return (Ms(explain), Ms(simulate), Ms(delphi));
    }

    private static async Task<BatchOutcome> RunOfflineAsync(InMemoryUnitRecordSource source, IReadOnlyList<Core.Records.UnitId> units, UnitPipeline pipeline,
        int concurrency, CancellationToken cancellationToken)
    {
        var outDir = Path.Combine(Path.GetTempPath(), "interp-bench-autointerp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            return await new AutoInterpRunner(source, pipeline).RunAsync(units, outDir, concurrency, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try { Directory.Delete(outDir, recursive: true); } catch (IOException) { }
        }
    }

    private static Task SendAsync(LlmClient llm, IReadOnlyList<LlmRequest> requests, int concurrency, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (request, ct) => await llm.CompleteAsync(request, ct).ConfigureAwait(false));

    /// <summary>Only used to build requests; never called.</summary>
    private sealed class NullLlm : ILlmClient
    {
        public LlmUsage Usage { get; } = new();
        public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
        public void Forget(LlmRequest request) { }
    }
}
