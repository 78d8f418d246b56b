using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Interp.Notebooks.Tests;

/// <summary>
/// Compares the numbers a cell printed in its committed outputs with those of a fresh run, line by line. Each number
/// must agree within <see cref="RelativeTolerance"/> of the committed value or one unit in its last printed digit,
/// whichever is larger (a rounding that falls the other way on another machine passes; a changed result does not).
/// Exempt, by one rule: a number followed by a time or a rate (<c>10.7 s</c>, <c>3 ms</c>, <c>20,525 tokens/s</c>),
/// which varies from run to run. Text between numbers is not compared (scratch folder names are random).
/// </summary>
public static partial class NumericOutputs
{
    public const double RelativeTolerance = 1e-3;

    /// <summary>The first disagreement between the two cells' text outputs, or null when they agree.</summary>
    public static string? FirstDifference(JsonArray committed, JsonArray fresh)
    {
        var (expected, actual) = (Lines(committed), Lines(fresh));
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            if (i >= expected.Count) return $"line {i + 1}: a run prints '{actual[i]}' after the {expected.Count} committed line(s)";
            if (i >= actual.Count) return $"line {i + 1}: the committed outputs print '{expected[i]}' but a run stops after {actual.Count} line(s)";
            var (e, a) = (Numbers(expected[i]), Numbers(actual[i]));
            var differs = e.Count != a.Count || e.Zip(a).Any(p => !Close(p.First, p.Second));
            if (differs) return $"line {i + 1}: the committed outputs print '{expected[i]}' but a run prints '{actual[i]}'";
        }
        return null;
    }

    /// <summary>The compared numbers of one line, in order, with the number of digits after each one's decimal point.</summary>
    public static IReadOnlyList<(double Value, int Decimals)> Numbers(string line) =>
        NumberPattern().Matches(line).Where(m => !m.Groups["rate"].Success)
            .Select(m => m.Groups["number"].Value)
            .Select(text => (double.Parse(text.Replace(",", "").Replace('−', '-'), NumberStyles.Float, CultureInfo.InvariantCulture),
                text.Contains('.') ? text.Length - text.IndexOf('.') - 1 : 0))
            .ToList();

    private static bool Close((double Value, int Decimals) committed, (double Value, int Decimals) run)
    {
        var lastDigit = Math.Pow(10, -committed.Decimals);
        var tolerance = Math.Max(RelativeTolerance * Math.Abs(committed.Value), lastDigit) * (1 + 1e-9);
        return Math.Abs(committed.Value - run.Value) <= tolerance;
    }

    /// <summary>The text of a cell's stream outputs and text displays, as lines.</summary>
    private static List<string> Lines(JsonArray outputs)
    {
        var text = new List<string>();
        foreach (var output in outputs.OfType<JsonObject>())
        {
            if (output["output_type"]?.GetValue<string>() == "stream") text.Add(Joined(output["text"]));
            else if (output["data"] is JsonObject data)
                foreach (var mime in new[] { "text/plain", "text/html" })
                    if (data[mime] is { } content) text.Add(Joined(content));
        }
        return string.Concat(text).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
    }

    private static string Joined(JsonNode? node) => node switch
    {
        JsonArray parts => string.Concat(parts.Select(p => p?.GetValue<string>())),
        JsonValue value => value.GetValue<string>(),
        _ => "",
    };

    // A number on its own (not part of a word such as a folder name's "v3L1"): an optional sign, digits with optional
    // thousands separators, optional decimals; "rate" marks one followed by a time unit or "…/s".
    [GeneratedRegex(@"(?<![\w.])(?<number>[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?![\w])(?<rate>\s*(?:ms|s|min|h|[A-Za-z]+/s)\b)?")]
    private static partial Regex NumberPattern();
}
