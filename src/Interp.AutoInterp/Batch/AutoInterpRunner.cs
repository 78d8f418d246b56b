using System.Diagnostics;
using Interp.AutoInterp.Llm;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// Runs the pipeline over many units with bounded concurrency, appending each finished unit to
/// <c>OUT/results.jsonl</c> at once (a kill loses at most the units in flight), skipping units a previous run finished
/// (failed ones too, unless <c>retryFailed</c>), and writing <c>OUT/summary.json</c> and the OpenAI-shaped export
/// <c>OUT/openai_explanations.jsonl</c> at the end (also after a cancel; the export is rewritten only when units finished). A unit whose LLM answer is malformed, or
/// whose requests fail for good, is written as failed with the reason, and the batch goes on.
/// </summary>
public sealed class AutoInterpRunner(IUnitRecordSource source, UnitPipeline pipeline, ILlmClient? llm = null)
{
    /// <summary>The summary's file name inside the output folder.</summary>
    public const string SummaryFileName = "summary.json";

    /// <summary>
    /// Runs <paramref name="units"/> into <paramref name="outDirectory"/>. <paramref name="progress"/> is called after
    /// every unit (from worker threads, one call at a time). Cancelling stops the run between units; the outcome then
    /// has <see cref="BatchOutcome.Cancelled"/> set.
    /// </summary>
    public async Task<BatchOutcome> RunAsync(IReadOnlyList<UnitId> units, string outDirectory, int concurrency, bool retryFailed = false,
        Action<BatchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (concurrency < 1) throw PipelineFactory.Refuse(n => $"{n("Concurrency")} {concurrency}: must be at least 1");
        using var folderLock = FolderLock.Acquire(outDirectory);                // one writer per results folder
        var resultsPath = Path.Combine(outDirectory, ResultsFile.FileName);
        var stopwatch = Stopwatch.StartNew();
        int done = 0, failed = 0;
        string? lastError = null;
        var progressLock = new Lock();
        var cancelled = false;
        int skipped;
        List<UnitId> todo;

        using (var results = ResultsFile.Open(resultsPath))
        {
            todo = units.Where(u => !results.Finished.TryGetValue(u.ToString(), out var status) || (retryFailed && status != "ok")).ToList();
            skipped = units.Count - todo.Count;

            BatchProgress Snapshot() => new(todo.Count, done, failed, skipped, stopwatch.Elapsed,
                llm?.Usage.Requests ?? 0, llm?.Usage.CacheHits ?? 0, llm?.Usage.Retries ?? 0,
                llm?.Usage.InputTokens ?? 0, llm?.Usage.OutputTokens ?? 0, lastError);

            progress?.Invoke(Snapshot());
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
            try
            {
                await Parallel.ForEachAsync(todo, parallel, async (id, ct) =>
                {
                    var result = await RunOneAsync(id, ct).ConfigureAwait(false);
                    results.Append(result);
                    lock (progressLock)
                    {
                        if (result.Ok) done++;
                        else
                        {
                            failed++;
                            lastError = $"{result.Unit}: {result.Error}";
                        }
                        progress?.Invoke(Snapshot());
                    }
                }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
            }
            stopwatch.Stop();
            var final = Snapshot();
            // Only the source's units count, each by its last complete line, so the summary, the export and the web app agree.
            var tally = ResultsTally.Read(resultsPath, source.Units, headsOnly: true);
            var summary = BatchSummary.Compute(tally.Results);
            WriteSummary(summary, Path.Combine(outDirectory, SummaryFileName));
            var exportPath = Path.Combine(outDirectory, OpenAiExport.FileName);
            if (done + failed > 0 || tally.IgnoredLines > 0 || !File.Exists(exportPath)) OpenAiExport.Write(resultsPath, exportPath, tally.KeptLines);
            return new BatchOutcome(units.Count, skipped, done, failed, cancelled, stopwatch.Elapsed, summary, final, tally.Describe(resultsPath));
        }
    }

    private async Task<UnitResult> RunOneAsync(UnitId id, CancellationToken cancellationToken)
    {
        try
        {
            UnitRecord record;
            lock (source) record = source.Read(id);
            return await pipeline.RunAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return new UnitResult
            {
                Unit = id.ToString(),
                Status = "failed",
                Error = UnitResult.FailureReason(e),
                Explainer = pipeline.Explainer.Name,
                Simulator = pipeline.Simulator.Name,
            };
        }
    }

    /// <summary>Writes <paramref name="summary"/> to <paramref name="path"/> atomically (indented JSON).</summary>
    public static void WriteSummary(BatchSummary summary, string path) =>
        AtomicFile.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(summary, ResultJson.Indented) + "\n");
}
