using System.Globalization;

namespace Interp.Web.Units;

/// <summary>
/// Numbers and sort keys from query strings, read leniently: the pages take their query values as text and read them here, so that
/// a value that is not a number, or is out of range, means the default instead of an error page.
/// </summary>
public static class QueryValues
{
    /// <summary>A zero-based page number in [0, <paramref name="max"/>]; 0 when <paramref name="text"/> is not a number, negative or missing.</summary>
    public static int PageNumber(string? text, int max) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var page) && page > 0 ? (int)Math.Min(page, max) : 0;

    /// <summary>A unit index (0 or more), or null when <paramref name="text"/> is not one.</summary>
    public static int? UnitIndex(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) && index >= 0 ? index : null;

    /// <summary>The query value that names a source's score as a sort key: <c>source:</c> then the source's name.</summary>
    public const string SourceSortPrefix = "source:";

    /// <summary>
    /// A list's sort key from <paramref name="text"/>: a <see cref="UnitSort"/> name in any case (<c>score</c>, <c>best</c>, …)
    /// or <c>source:NAME</c> for one explanation source's score; the unit index when it is neither.
    /// </summary>
    public static (UnitSort Sort, string? Source) Sort(string? text)
    {
        if (text is not null && text.StartsWith(SourceSortPrefix, StringComparison.OrdinalIgnoreCase) && text.Length > SourceSortPrefix.Length)
            return (UnitSort.SourceScore, text[SourceSortPrefix.Length..]);
        return Enum.TryParse<UnitSort>(text, true, out var sort) && Enum.IsDefined(sort) && sort != UnitSort.SourceScore ? (sort, null) : (UnitSort.Index, null);
    }

    /// <summary>The query value of a sort key (the inverse of <see cref="Sort"/>), or null for the default (by index).</summary>
    public static string? SortText(UnitSort sort, string? source) => sort switch
    {
        UnitSort.Index => null,
        UnitSort.SourceScore => SourceSortPrefix + source,
        _ => sort.ToString(),
    };
}
