using Interp.Core.Records;

namespace Interp.Web.Units;

/// <summary>What the overview heatmap colours each unit by.</summary>
public enum OverviewMetric
{
    /// <summary>Largest activation.</summary>
    Max,
    /// <summary>Density (log10 of the fraction of tokens active).</summary>
    Density,
    /// <summary>Explanation score (correlation).</summary>
    Score,
}

/// <summary>
/// The overview heatmap's grid: one row per unit source of a run (neuron sources by layer, then SAEs), wide sources
/// wrapped into rows of <see cref="RowWidth"/> units; each cell knows which unit it is.
/// </summary>
/// <param name="Rows">Values per row (NaN: no unit or no value).</param>
/// <param name="RowLabels">Row labels.</param>
/// <param name="RowWidth">Columns.</param>
/// <param name="Cells">For each row, its source and first unit index.</param>
public sealed record OverviewGrid(float[][] Rows, string[] RowLabels, int RowWidth, IReadOnlyList<(string Source, int Start)> Cells)
{
    /// <summary>Widest row.</summary>
    public const int MaxRowWidth = 1024;

    /// <summary>The unit at (row, column), or null past the end of its source.</summary>
    public UnitId? UnitAt(int row, int column, IReadOnlyDictionary<string, int> widths)
    {
        if (row < 0 || row >= Cells.Count || column < 0 || column >= RowWidth) return null;
        var (source, start) = Cells[row];
        var index = start + column;
        return index < widths[source] ? new UnitId(source, index) : null;
    }

    /// <summary>Builds the grid for <paramref name="sources"/> with their rows.</summary>
    public static OverviewGrid Build(IReadOnlyList<(UnitSourceRef Source, IReadOnlyList<UnitRow> Rows)> sources, OverviewMetric metric)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var ordered = sources.OrderBy(s => s.Source.IsSae).ThenBy(s => LayerOf(s.Source.Hook)).ThenBy(s => s.Source.Source, StringComparer.Ordinal).ToArray();
        var width = Math.Clamp(ordered.Select(s => s.Source.SourceUnits).DefaultIfEmpty(1).Max(), 1, MaxRowWidth);
        var rows = new List<float[]>();
        var labels = new List<string>();
        var cells = new List<(string, int)>();
        foreach (var (source, unitRows) in ordered)
        {
            var values = new float[Math.Max(1, source.SourceUnits)];
            Array.Fill(values, float.NaN);
            foreach (var row in unitRows)
                if (row.Index >= 0 && row.Index < values.Length) values[row.Index] = Value(row, metric);
            for (var start = 0; start < values.Length; start += width)
            {
                var chunk = new float[width];
                Array.Fill(chunk, float.NaN);
                Array.Copy(values, start, chunk, 0, Math.Min(width, values.Length - start));
                rows.Add(chunk);
                labels.Add(values.Length > width ? $"{source.Source} @{start}" : source.Source);
                cells.Add((source.Source, start));
            }
        }
        return new OverviewGrid([.. rows], [.. labels], width, cells);
    }

    private static float Value(UnitRow row, OverviewMetric metric) => metric switch
    {
        OverviewMetric.Density => row.Density > 0 ? (float)Math.Log10(row.Density) : float.NaN,
        OverviewMetric.Score => row.Score is { } s && double.IsFinite(s) ? (float)s : float.NaN,
        _ => row.MaxActivation,
    };

    private static int LayerOf(string hook)
    {
        var parts = hook.Split('.');
        return parts.Length > 1 && parts[0] == "blocks" && int.TryParse(parts[1], out var layer) ? layer : hook.StartsWith("hook_", StringComparison.Ordinal) ? -1 : int.MaxValue;
    }
}
