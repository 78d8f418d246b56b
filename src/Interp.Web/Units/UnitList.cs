namespace Interp.Web.Units;

/// <summary>Search, filter, sort and page over unit rows in memory (24,576 rows take a few milliseconds).</summary>
public static class UnitList
{
    /// <summary>Applies <paramref name="query"/> to <paramref name="rows"/>.</summary>
    public static UnitListResult Apply(IReadOnlyList<UnitRow> rows, UnitListQuery query)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(query);
        IEnumerable<UnitRow> matching = rows;
        matching = query.Filter switch
        {
            UnitFilter.Alive => matching.Where(r => !r.Dead),
            UnitFilter.Dead => matching.Where(r => r.Dead),
            UnitFilter.Dense => matching.Where(r => r.Density > UnitListQuery.DenseThreshold),
            UnitFilter.Unexplained => matching.Where(r => !r.Dead && !r.Explained),
            _ => matching,
        };
        var search = query.Search?.Trim();
        if (!string.IsNullOrEmpty(search))
        {
            var isIndex = int.TryParse(search.TrimStart('#'), out var index);
            matching = matching.Where(r => isIndex && r.Index == index
                                           || Contains(r.Explanation, search) || Contains(r.TopToken, search) || Contains(r.TopLogit, search));
        }
        var list = matching.ToList();
        Comparison<UnitRow> compare = query.Sort switch
        {
            UnitSort.Score => (a, b) => Nullable(a.Score, b.Score, query.Descending),
            UnitSort.Best => (a, b) => Nullable(a.BestScore, b.BestScore, query.Descending),
            UnitSort.SourceScore => (a, b) => Nullable(a.ScoreOf(query.ScoreSource), b.ScoreOf(query.ScoreSource), query.Descending),
            UnitSort.Density => (a, b) => a.Density.CompareTo(b.Density),
            UnitSort.MaxActivation => (a, b) => a.MaxActivation.CompareTo(b.MaxActivation),
            _ => (a, b) => a.Index.CompareTo(b.Index),
        };
        var descending = query.Descending && query.Sort is not (UnitSort.Score or UnitSort.Best or UnitSort.SourceScore);
        list.Sort((a, b) =>
        {
            var c = compare(a, b);
            if (descending) c = -c;
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        });
        var offset = Math.Clamp(query.Offset, 0, list.Count);
        var page = list.Skip(offset).Take(Math.Max(0, query.Limit)).ToArray();
        var sources = rows.Where(r => r.SourceScores is not null).SelectMany(r => r.SourceScores!.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        return new UnitListResult(page, list.Count, rows.Count, sources);
    }

    private static bool Contains(string? text, string search) => text is not null && text.Contains(search, StringComparison.OrdinalIgnoreCase);

    // Units without a score go last in either direction.
    private static int Nullable(double? a, double? b, bool descending)
    {
        if (a is null || double.IsNaN(a.Value)) return b is null || double.IsNaN(b.Value) ? 0 : 1;
        if (b is null || double.IsNaN(b.Value)) return -1;
        return descending ? b.Value.CompareTo(a.Value) : a.Value.CompareTo(b.Value);
    }
}
