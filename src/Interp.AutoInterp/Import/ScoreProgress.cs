using Interp.Core;

namespace Interp.AutoInterp.Import;

/// <summary>Where a scoring run stands: explanations to score this run, scored (ok) and failed so far, skipped because a previous run scored them, and LLM use.</summary>
public sealed record ScoreProgress(int Total, int Done, int Failed, int Skipped, TimeSpan Elapsed, long LlmRequests, long CacheHits) : IJobProgress
{
    long IJobProgress.Done => Done + Failed;
    long IJobProgress.Total => Total;

    /// <summary>One plain line, for logs and redirected output.</summary>
    public string Describe() =>
        $"{Done + Failed}/{Total} explanations ({Failed} failed, {Skipped} already done)" +
        (LlmRequests + CacheHits > 0 ? $", LLM {LlmRequests} requests ({CacheHits} cached)" : "");
}
