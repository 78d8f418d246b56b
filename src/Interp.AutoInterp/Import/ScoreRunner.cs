using System.Diagnostics;
using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Llm;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Import;

/// <summary>
/// Scores imported explanations into an output folder the way <see cref="AutoInterpRunner"/> runs units: one line per
/// unit and explanation appended to <c>results.jsonl</c> as each finishes (a kill loses at most those in flight), lines a
/// previous run finished skipped (failed ones too, unless asked to retry them), units in flight at once up to the
/// concurrency (each unit's record read once for all its explanations), then <c>summary.json</c> (per source) and
/// <c>ranking.jsonl</c> over every line of the folder's results.
/// </summary>
public sealed class ScoreRunner(IUnitRecordSource source, ILlmClient? llm = null)
{
    /// <summary>Runs <paramref name="items"/> into <paramref name="outDirectory"/>; cancelling stops between explanations.</summary>
    public async Task<ScoreOutcome> RunAsync(IReadOnlyList<ScoreItem> items, string outDirectory, int concurrency, bool retryFailed = false,
        Action<ScoreProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (concurrency < 1) throw PipelineFactory.Refuse(n => $"{n("Concurrency")} {concurrency}: must be at least 1");
        using var folderLock = FolderLock.Acquire(outDirectory);
        var resultsPath = Path.Combine(outDirectory, ResultsFile.FileName);
        var stopwatch = Stopwatch.StartNew();
        int done = 0, failed = 0;
        var gate = new Lock();
        var cancelled = false;
        List<ScoreItem> todo;
        using (var results = ResultsFile.Open(resultsPath))
        {
            todo = items.Where(i => !results.Finished.TryGetValue(i.Key, out var status) || (retryFailed && status != "ok")).ToList();
            ScoreProgress Snapshot() => new(todo.Count, done, failed, items.Count - todo.Count, stopwatch.Elapsed, llm?.Usage.Requests ?? 0, llm?.Usage.CacheHits ?? 0);
            progress?.Invoke(Snapshot());
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
            try
            {
                await Parallel.ForEachAsync(todo.GroupBy(i => i.Imported.Unit), parallel, async (unit, ct) =>
                {
                    UnitRecord? record = null;
                    Exception? unreadable = null;
                    try
                    {
                        lock (source) record = source.Read(unit.Key);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        unreadable = e;
                    }
                    foreach (var item in unit)
                    {
                        ct.ThrowIfCancellationRequested();
                        var result = record is null ? Failed(item, unreadable!) : await ScoreOneAsync(item, record, ct).ConfigureAwait(false);
                        results.Append(result);
                        lock (gate)
                        {
                            if (result.Ok) done++;
                            else failed++;
                            progress?.Invoke(Snapshot());
                        }
                    }
                }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
            }
        }
        stopwatch.Stop();
        // Every line of the folder whose unit the records have counts, each key by its last line, as autointerp counts.
        var tally = ResultsTally.Read(resultsPath, source.Units, headsOnly: true);
        var summary = ScoreSummary.Compute(tally.Results);
        AtomicFile.WriteAllText(Path.Combine(outDirectory, AutoInterpRunner.SummaryFileName),
            System.Text.Json.JsonSerializer.Serialize(summary, ResultJson.Indented) + "\n");
        Ranking.Write(tally.Results, Path.Combine(outDirectory, Ranking.FileName));
        return new ScoreOutcome(items.Count, items.Count - todo.Count, done, failed, cancelled, stopwatch.Elapsed, summary, tally.Describe(resultsPath));
    }

    private static async Task<UnitResult> ScoreOneAsync(ScoreItem item, UnitRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var result = await item.Pipeline.ScoreAsync(record, item.Explanation, cancellationToken).ConfigureAwait(false);
            return result with { Source = item.Imported.Source };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return Failed(item, e);
        }
    }

    private static UnitResult Failed(ScoreItem item, Exception e) => new()
    {
        Unit = item.Imported.Unit.ToString(),
        Source = item.Imported.Source,
        Status = "failed",
        Error = UnitResult.FailureReason(e),
        Explainer = item.Pipeline.Explainer.Name,
        Simulator = item.Pipeline.Simulator.Name,
        Explanation = item.Explanation.Text,
    };
}

