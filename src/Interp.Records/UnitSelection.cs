using System.Globalization;
using Interp.Core;

namespace Interp.Records;

/// <summary>
/// Which units to build or score: <c>all</c>, or a comma-separated list of indices and inclusive ranges
/// (<c>0-1023</c>, <c>5,9,100-199</c>).
/// </summary>
public static class UnitSelection
{
    /// <summary>
    /// The sorted, distinct unit indices that <paramref name="text"/> names among <paramref name="count"/> units.
    /// </summary>
    /// <exception cref="InterpException">Not the syntax above, or an index ≥ <paramref name="count"/>.</exception>
    public static int[] Parse(string? text, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
            return Enumerable.Range(0, count).ToArray();
        var chosen = new SortedSet<int>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = raw.IndexOf('-', 1);
            var (first, last) = dash < 0 ? (Index(raw, text), Index(raw, text)) : (Index(raw[..dash], text), Index(raw[(dash + 1)..], text));
            if (last < first) throw RecordOptions.Refuse(n => $"{n(nameof(RecordsJobOptions.Units))} {text}: range '{raw}' runs backwards");
            if (last >= count) throw RecordOptions.Refuse(n => $"{n(nameof(RecordsJobOptions.Units))} {text}: unit {last} does not exist (this source has {count} units, 0-{count - 1})");
            for (var i = first; i <= last; i++) chosen.Add(i);
        }
        if (chosen.Count == 0) throw RecordOptions.Refuse(n => $"{n(nameof(RecordsJobOptions.Units))} {text}: names no unit");
        return [.. chosen];
    }

    private static int Index(string part, string text) =>
        int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw RecordOptions.Refuse(n => $"{n(nameof(RecordsJobOptions.Units))} {text}: '{part}' is not a unit index (use all, 0-1023 or 3,7,10-20)");
}
