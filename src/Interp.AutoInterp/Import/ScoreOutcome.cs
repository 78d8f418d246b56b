namespace Interp.AutoInterp.Import;

/// <summary>
/// How a scoring run ended: explanations selected, skipped (finished before), scored and failed this run, whether it was
/// cancelled, the summary over the folder's results, and one line naming the results lines the summary left out (null when none).
/// </summary>
public sealed record ScoreOutcome(int Selected, int Skipped, int Done, int Failed, bool Cancelled, TimeSpan Elapsed, ScoreSummary Summary, string? Ignored);
