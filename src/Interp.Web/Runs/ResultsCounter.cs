using System.Collections.Concurrent;
using Interp.AutoInterp.Batch;
using Interp.Core.Records;

namespace Interp.Web.Runs;

/// <summary>
/// Counts a <c>results.jsonl</c> as <c>interp autointerp</c>'s summary does (<see cref="ResultsTally"/>): only units of
/// the run's records sources, the last line of each. Remembered per file length, write time and sources, since the
/// catalog rescans every few seconds and a results file can be large.
/// </summary>
internal static class ResultsCounter
{
    private static readonly ConcurrentDictionary<string, (string Stamp, int Units, string? Ignored)> Cache = new(StringComparer.Ordinal);

    /// <summary>Counted units and the line naming what was ignored (null when nothing was) in <paramref name="path"/>.</summary>
    public static (int Units, string? Ignored) Count(string path, IReadOnlyList<RecordsInfo> records)
    {
        var sources = records.Where(r => r is { Complete: true, Source: not null })
            .GroupBy(r => r.Source!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(r => r.SourceUnits), StringComparer.Ordinal);
        try
        {
            var info = new FileInfo(path);
            var stamp = $"{info.Length}:{info.LastWriteTimeUtc.Ticks}:{string.Join(',', sources.Select(s => $"{s.Key}={s.Value}"))}";
            if (Cache.TryGetValue(path, out var cached) && cached.Stamp == stamp) return (cached.Units, cached.Ignored);
            // A run without a records store (e.g. autointerp over units.jsonl) has no source to check against: every unit counts.
            var tally = ResultsTally.Read(path, unit => sources.Count == 0 || Belongs(unit, sources), headsOnly: true);
            var counted = (stamp, tally.Results.Count, tally.Describe(path));
            Cache[path] = counted;
            return (counted.Item2, counted.Item3);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (0, $"{path}: unreadable ({e.Message})");
        }
    }

    private static bool Belongs(string unit, Dictionary<string, int> sources) =>
        UnitId.TryParse(unit, out var id) && sources.TryGetValue(id.Source, out var count) && id.Index < count;
}
