using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Import;

/// <summary>
/// <c>ranking.jsonl</c>: one line per unit, its scored explanations best first — by correlation when it was scored,
/// else detection's, else fuzzing's balanced accuracy (undefined scores last; then by the next score, source and text,
/// so the order is the same every run). Failed explanations are not ranked.
/// </summary>
public static class Ranking
{
    /// <summary>The file name inside the output folder.</summary>
    public const string FileName = "ranking.jsonl";

    /// <summary>One ranked explanation.</summary>
    public sealed record Entry(int Rank, string Source, string Explanation, double? Correlation, double? Detection, double? Fuzzing);

    /// <summary>One unit's line.</summary>
    public sealed record Line(string Unit, IReadOnlyList<Entry> Explanations);

    /// <summary>The ranking of <paramref name="results"/>, units by source, then index (the same order every run).</summary>
    public static IReadOnlyList<Line> Of(IEnumerable<UnitResult> results) =>
        results.Where(r => r.Ok)
            .GroupBy(r => r.Unit)
            .OrderBy(g => UnitId.TryParse(g.Key, out var id) ? id.Source : g.Key, StringComparer.Ordinal)
            .ThenBy(g => UnitId.TryParse(g.Key, out var id) ? id.Index : -1)
            .Select(g => new Line(g.Key, g
                .OrderByDescending(r => r.Scores?.Correlation ?? double.NegativeInfinity)
                .ThenByDescending(r => r.Scores?.Detection?.BalancedAccuracy ?? double.NegativeInfinity)
                .ThenByDescending(r => r.Scores?.Fuzzing?.BalancedAccuracy ?? double.NegativeInfinity)
                .ThenBy(r => r.Source, StringComparer.Ordinal)
                .ThenBy(r => r.Explanation, StringComparer.Ordinal)
                .Select((r, i) => new Entry(i + 1, r.Source ?? "", r.Explanation ?? "", Round(r.Scores?.Correlation),
                    Round(r.Scores?.Detection?.BalancedAccuracy), Round(r.Scores?.Fuzzing?.BalancedAccuracy)))
                .ToList()))
            .ToList();

    /// <summary>Writes the ranking of <paramref name="results"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(IEnumerable<UnitResult> results, string path) =>
        AtomicFile.WriteAllText(path, string.Concat(Of(results).Select(l => JsonSerializer.Serialize(l, ResultJson.Options) + "\n")));

    private static double? Round(double? v) => v is { } x ? Math.Round(x, 6) : null;
}
