using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// <c>--units</c>: <c>all</c>, or a comma-separated list of indices (<c>17</c>), ranges (<c>0-4095</c>) and full unit
/// ids (<c>blocks.1.mlp.hook_post/17</c>); indices and ranges apply to every source.
/// </summary>
public static class UnitFilter
{
    /// <summary>The units of <paramref name="available"/> that <paramref name="spec"/> names, in the source's order.</summary>
    public static IReadOnlyList<UnitId> Select(IReadOnlyList<UnitId> available, string? spec)
    {
        if (spec is null || spec.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return available;
        var ranges = new List<(int Low, int High)>();
        var ids = new HashSet<UnitId>();
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Contains('/'))
            {
                ids.Add(UnitId.Parse(part));
                continue;
            }
            var dash = part.IndexOf('-');
            if (dash < 0 && int.TryParse(part, out var single) && single >= 0) ranges.Add((single, single));
            else if (dash > 0 && int.TryParse(part[..dash], out var low) && int.TryParse(part[(dash + 1)..], out var high) && low >= 0 && high >= low)
                ranges.Add((low, high));
            else throw PipelineFactory.Refuse(n => $"{n("Units")} '{part}': expected all, N, A-B or source/index (comma-separated)");
        }
        var selected = available.Where(u => ids.Contains(u) || ranges.Any(r => u.Index >= r.Low && u.Index <= r.High)).ToList();
        if (selected.Count == 0) throw PipelineFactory.Refuse(n => $"{n("Units")} '{spec}': none of the {available.Count} units in the records matches");
        return selected;
    }
}
