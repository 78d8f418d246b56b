using Interp.AutoInterp.Batch;

namespace Interp.AutoInterp.Import;

/// <summary>
/// <c>summary.json</c> of a scoring run: how many explanations and units, and autointerp's summary
/// (<see cref="BatchSummary"/>) for each source, so sources compare side by side.
/// </summary>
public sealed record ScoreSummary(int Explanations, int Ok, int Failed, int Units, IReadOnlyDictionary<string, BatchSummary> Sources)
{
    /// <summary>The summary of <paramref name="results"/> (one per explanation; heads are enough).</summary>
    public static ScoreSummary Compute(IReadOnlyList<UnitResult> results)
    {
        var sources = results.GroupBy(r => r.Source ?? "")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => BatchSummary.Compute(g.ToList()));
        var ok = results.Count(r => r.Ok);
        return new ScoreSummary(results.Count, ok, results.Count - ok, results.Select(r => r.Unit).Distinct().Count(), sources);
    }

    /// <summary>Readable lines for the terminal: the counts, then each source's summary.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"explanations: {Explanations} ({Ok} ok, {Failed} failed) of {Units} unit{(Units == 1 ? "" : "s")}";
        foreach (var (source, summary) in Sources)
        {
            yield return $"source {source}:";
            foreach (var line in summary.Describe().Where(l => !l.StartsWith("  [", StringComparison.Ordinal) && l != "correlation histogram:"))
                yield return "  " + line.Replace("units: ", "explanations: ", StringComparison.Ordinal);
        }
    }
}
