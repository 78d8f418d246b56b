using System.Globalization;

namespace Interp.Web.Units;

/// <summary>
/// Numbers from query strings, read leniently: the pages take their query values as text and read them here, so that
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
}
