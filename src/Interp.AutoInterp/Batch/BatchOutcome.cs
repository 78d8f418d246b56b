namespace Interp.AutoInterp.Batch;

/// <summary>How a batch run ended: counts for this run, whether it was cancelled, and the summary over everything in the output folder.</summary>
public sealed record BatchOutcome(int Selected, int Skipped, int Done, int Failed, bool Cancelled, TimeSpan Elapsed, BatchSummary Summary, BatchProgress Progress);
