using System.Globalization;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Import;

/// <summary>
/// Reads explanations in any <see cref="ExplanationFormat"/> and maps their units onto the records' units
/// (<see cref="UnitMapping"/>): the explanations to score (the same text twice for one unit and source counts once), each
/// malformed place by its location, and the units the records do not have.
/// </summary>
/// <param name="Path">The file or folder read.</param>
/// <param name="Format">Its format (detected, when asked to).</param>
/// <param name="Explanations">The explanations of units the records have, in file order.</param>
/// <param name="Malformed">One <c>LOCATION: reason</c> per malformed line, item or file.</param>
/// <param name="UnknownUnits">Units named that the records do not have, as the file names them, each once, in file order.</param>
/// <param name="UnknownExplanations">How many explanations those units had.</param>
/// <param name="Duplicates">Explanations left out because the same unit, source and text came before.</param>
public sealed record ExplanationImport(
    string Path, ExplanationFormat Format, IReadOnlyList<ImportedExplanation> Explanations, IReadOnlyList<string> Malformed,
    IReadOnlyList<string> UnknownUnits, int UnknownExplanations, int Duplicates)
{
    /// <summary>Reads <paramref name="path"/> in <paramref name="format"/> (auto: <see cref="FormatDetector"/>) against the units in <paramref name="units"/>.</summary>
    /// <exception cref="InterpException">No such file or folder; a format that cannot be told.</exception>
    public static ExplanationImport Read(string path, ExplanationFormat format, IEnumerable<UnitId> units)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new InterpException($"{path}: no such file or folder");
        if (format == ExplanationFormat.Auto) format = FormatDetector.Detect(path);
        if (Directory.Exists(path) && format is not (ExplanationFormat.Delphi or ExplanationFormat.OpenAi))
            throw new InterpException($"{path}: a folder; only delphi's and OpenAI's explanations come as a folder (give {ExplanationFormats.NameOf(format)} explanations as a file)");
        var entries = format switch
        {
            ExplanationFormat.Interp => InterpExplanationReader.Read(path),
            ExplanationFormat.OpenAi => OpenAiExplanationReader.Read(path),
            ExplanationFormat.Delphi => DelphiExplanationReader.Read(path),
            _ => NeuronpediaExplanationReader.Read(path),
        };
        var known = units as IReadOnlySet<UnitId> ?? units.ToHashSet();
        var defaultSource = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(path));
        var explanations = new List<ImportedExplanation>();
        var malformed = new List<string>();
        var unknown = new List<string>();
        var unknownSeen = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        int unknownCount = 0, duplicates = 0;
        foreach (var entry in entries)
        {
            if (entry.Error is { } error)
            {
                malformed.Add($"{entry.Location}: {error}");
                continue;
            }
            if (entry.Unit!.Resolve(known) is not { } unit)
            {
                unknownCount++;
                if (unknownSeen.Add(entry.Unit.Name)) unknown.Add(entry.Unit.Name);
                continue;
            }
            var source = string.IsNullOrWhiteSpace(entry.Source) ? defaultSource : entry.Source.Trim();
            var text = entry.Text!.Trim();
            if (!keys.Add(Batch.UnitResult.KeyOf(unit.ToString(), source, text)))
            {
                duplicates++;
                continue;
            }
            explanations.Add(new ImportedExplanation(unit, source, text, entry.Pattern, entry.Location));
        }
        return new ExplanationImport(path, format, explanations, malformed, unknown, unknownCount, duplicates);
    }

    /// <summary>Distinct units among <see cref="Explanations"/>.</summary>
    public int Units => Explanations.Select(e => e.Unit).Distinct().Count();

    /// <summary>One line listing the units the records do not have (null when none).</summary>
    public string? DescribeUnknown()
    {
        if (UnknownUnits.Count == 0) return null;
        const int shown = 8;
        var names = string.Join(", ", UnknownUnits.Take(shown)) + (UnknownUnits.Count > shown ? $", … ({UnknownUnits.Count - shown} more)" : "");
        return $"{Path}: {Count(UnknownExplanations, "explanation")} of {Count(UnknownUnits.Count, "unit")} the records do not have: {names}";
    }

    /// <summary>Why nothing can be scored: no explanation of a unit the records have.</summary>
    public string NothingToScore() =>
        $"{Path}: nothing to score: no explanation of a unit the records have ({Count(Malformed.Count, "malformed line")}, " +
        $"{Count(UnknownExplanations, "explanation")} of units the records do not have)";

    private static string Count(int n, string what) => $"{n.ToString("N0", CultureInfo.InvariantCulture)} {what}{(n == 1 ? "" : "s")}";
}
