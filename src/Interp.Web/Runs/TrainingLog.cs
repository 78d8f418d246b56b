using System.Text.Json;

namespace Interp.Web.Runs;

/// <summary>
/// A training log (JSON Lines, one object per logged step) as numeric series: <c>step</c> on the x axis, every other
/// numeric field a series. Both trainers write snake_case keys; logs the model trainer wrote before that have PascalCase
/// keys (<c>HeldOutLoss</c>), which are normalised (→ <c>held_out_loss</c>) so old and new logs read alike. Missing or
/// null values are NaN.
/// </summary>
/// <param name="Path">The log file.</param>
/// <param name="Steps">The x values (the <c>step</c> field, else the line number).</param>
/// <param name="Series">Each numeric field's values, aligned with <see cref="Steps"/>.</param>
/// <param name="Lines">Lines in the file (more than <see cref="Steps"/> when thinned for display).</param>
public sealed record TrainingLog(string Path, double[] Steps, IReadOnlyDictionary<string, double[]> Series, int Lines)
{
    /// <summary>The series the Runs page charts, in order, when present: loss, L0, explained variance, held-out loss, dead fraction.</summary>
    public static readonly IReadOnlyList<string> Charted = ["loss", "l0", "explained_variance", "held_out_loss", "dead_fraction"];

    /// <summary>True when <paramref name="metric"/> has at least one finite value.</summary>
    public bool Has(string metric) => Series.TryGetValue(metric, out var values) && values.Any(double.IsFinite);

    /// <summary>
    /// Reads <paramref name="path"/>, keeping at most <paramref name="maxPoints"/> evenly spaced lines (always the last);
    /// unparsable lines (a line being written) are skipped.
    /// </summary>
    public static TrainingLog Read(string path, int maxPoints = 1000)
    {
        ArgumentNullException.ThrowIfNull(path);
        var lines = File.ReadLines(path).Where(l => l.Length > 0).ToArray();
        var stride = Math.Max(1, (int)Math.Ceiling(lines.Length / (double)Math.Max(1, maxPoints)));
        var steps = new List<double>();
        var series = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            if (i % stride != 0 && i != lines.Length - 1) continue;
            JsonDocument document;
            try { document = JsonDocument.Parse(lines[i]); }
            catch (JsonException) { continue; }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object) continue;
                var row = steps.Count;
                double step = i + 1;
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    var name = SnakeCase(property.Name);
                    if (name == "step") { if (property.Value.TryGetDouble(out var s)) step = s; continue; }
                    if (property.Value.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null)) continue;
                    if (!series.TryGetValue(name, out var values)) series[name] = values = [.. Enumerable.Repeat(double.NaN, row)];
                    values.Add(property.Value.ValueKind == JsonValueKind.Number ? property.Value.GetDouble() : double.NaN);
                }
                steps.Add(step);
                foreach (var values in series.Values)
                    while (values.Count < steps.Count) values.Add(double.NaN);
            }
        }
        return new TrainingLog(path, [.. steps], series.ToDictionary(p => p.Key, p => p.Value.ToArray()), lines.Length);
    }

    /// <summary><c>HeldOutLoss</c> → <c>held_out_loss</c>; snake_case stays as it is.</summary>
    public static string SnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || i + 1 < name.Length && char.IsLower(name[i + 1])))
                    builder.Append('_');
                builder.Append(char.ToLowerInvariant(c));
            }
            else builder.Append(c);
        }
        return builder.ToString();
    }
}
