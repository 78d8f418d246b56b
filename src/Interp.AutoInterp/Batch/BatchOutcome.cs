namespace Interp.AutoInterp.Batch;

/// <summary>
/// How a batch run ended: counts for this run, whether it was cancelled, the summary over every unit of the source in
/// the output folder, and one line naming the lines of <c>results.jsonl</c> the summary left out (null when none).
/// </summary>
public sealed record BatchOutcome(int Selected, int Skipped, int Done, int Failed, bool Cancelled, TimeSpan Elapsed, BatchSummary Summary, BatchProgress Progress,
    string? Ignored = null);
