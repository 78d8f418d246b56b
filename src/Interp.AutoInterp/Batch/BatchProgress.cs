using Interp.Core;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// Where a batch stands: units to do this run, done (ok) and failed so far, skipped because a previous run finished
/// them, time, LLM use, and the last failure's reason.
/// </summary>
public sealed record BatchProgress(
    int Total, int Done, int Failed, int Skipped, TimeSpan Elapsed,
    long LlmRequests, long CacheHits, long Retries, long InputTokens, long OutputTokens, string? LastError) : IJobProgress
{
    long IJobProgress.Done => Done + Failed;
    long IJobProgress.Total => Total;

    /// <summary>Units finished (ok or failed) per second of this run.</summary>
    public double UnitsPerSecond => Elapsed.TotalSeconds > 0 ? (Done + Failed) / Elapsed.TotalSeconds : 0;

    /// <summary>One plain line, for logs and redirected output.</summary>
    public string Describe() =>
        $"{Done + Failed}/{Total} units ({Failed} failed, {Skipped} already done), {UnitsPerSecond:F1} units/s" +
        (LlmRequests + CacheHits > 0 ? $", LLM {LlmRequests} requests ({CacheHits} cached, {Retries} retried), {InputTokens + OutputTokens:N0} tokens" : "");
}
