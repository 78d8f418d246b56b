using System.Globalization;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// What a <c>results.jsonl</c> says about one source's units: the last complete line of each unit the source has, and
/// the lines left out: earlier lines of a unit written again (a failed unit retried, or an edit), lines of units the
/// source does not have, and complete lines that do not parse. Summaries, exports and the web app count from this, so
/// they agree. Lines of imported explanations (<c>interp score</c>) count once per unit, source and explanation
/// (<see cref="UnitResult.Key"/>).
/// </summary>
/// <param name="Results">One result per counted unit, in first-seen order.</param>
/// <param name="KeptLines">The 1-based line numbers of <paramref name="Results"/>.</param>
/// <param name="Superseded">Lines replaced by a later line of the same unit.</param>
/// <param name="UnknownUnits">Lines of units the source does not have (their unit ids, in file order).</param>
/// <param name="UnreadableLines">Complete lines that are not result lines (1-based numbers).</param>
public sealed record ResultsTally(
    IReadOnlyList<UnitResult> Results,
    IReadOnlySet<int> KeptLines,
    int Superseded,
    IReadOnlyList<string> UnknownUnits,
    IReadOnlyList<int> UnreadableLines)
{
    /// <summary>Lines not counted.</summary>
    public int IgnoredLines => Superseded + UnknownUnits.Count + UnreadableLines.Count;

    /// <summary>
    /// Reads <paramref name="path"/> (missing = empty), counting only units for which <paramref name="belongs"/> is true
    /// (<c>source/index</c> strings); with <paramref name="headsOnly"/>, results without records (see <see cref="ResultJson.Head"/>).
    /// An unterminated last line (a write in progress or torn by a kill) is not a line yet and is not reported.
    /// </summary>
    public static ResultsTally Read(string path, Func<string, bool> belongs, bool headsOnly = false)
    {
        ArgumentNullException.ThrowIfNull(belongs);
        var results = new List<UnitResult>();
        var lines = new List<int>();
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        var unknown = new List<string>();
        var unreadable = new List<int>();
        var superseded = 0;
        if (File.Exists(path))
        {
            foreach (var (number, item, _) in ResultsFile.ParseLines<UnitResult>(path, headsOnly ? ResultJson.Head : ResultJson.Options))
            {
                if (item is null || string.IsNullOrEmpty(item.Unit)) unreadable.Add(number);
                else if (!belongs(item.Unit)) unknown.Add(item.Unit);
                else if (position.TryGetValue(item.Key, out var at))
                {
                    (results[at], lines[at]) = (item, number);
                    superseded++;
                }
                else
                {
                    position[item.Key] = results.Count;
                    results.Add(item);
                    lines.Add(number);
                }
            }
        }
        return new ResultsTally(results, lines.ToHashSet(), superseded, unknown, unreadable);
    }

    /// <summary>Reads <paramref name="path"/> counting the units in <paramref name="sourceUnits"/>.</summary>
    public static ResultsTally Read(string path, IEnumerable<Interp.Core.Records.UnitId> sourceUnits, bool headsOnly = false)
    {
        var known = sourceUnits.Select(u => u.ToString()).ToHashSet(StringComparer.Ordinal);
        return Read(path, known.Contains, headsOnly);
    }

    /// <summary>One line saying what was left out of <paramref name="path"/>, or null when every line counted.</summary>
    public string? Describe(string path)
    {
        if (IgnoredLines == 0) return null;
        var parts = new List<string>();
        if (Superseded > 0) parts.Add($"{Count(Superseded, "earlier line")} of a unit written again (the last line counts)");
        if (UnknownUnits.Count > 0)
            parts.Add($"{Count(UnknownUnits.Count, "line")} of units the source does not have ({Examples(UnknownUnits)})");
        if (UnreadableLines.Count > 0)
            parts.Add($"{Count(UnreadableLines.Count, "unreadable line")} ({Examples(UnreadableLines.Select(n => "line " + n.ToString(CultureInfo.InvariantCulture)).ToList())})");
        return $"{path}: counted {Count(Results.Count, "unit")}; ignored {string.Join(", ", parts)}";
    }

    private static string Count(int n, string what) => $"{n.ToString("N0", CultureInfo.InvariantCulture)} {what}{(n == 1 ? "" : "s")}";

    private static string Examples(IReadOnlyList<string> items) =>
        string.Join(", ", items.Distinct().Take(3)) + (items.Distinct().Count() > 3 ? ", …" : "");
}
