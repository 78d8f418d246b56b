using System.Text.Json;
using Interp.AutoInterp.Batch;

namespace Interp.Web.Units;

/// <summary>
/// An index over one autointerp <c>results.jsonl</c> (one <see cref="UnitResult"/> a line, appended as units finish):
/// each unit's explanation and score for lists, and where its line is, so that a unit page reads one line rather than
/// the file. The last line of a unit wins (a failed unit retried); an unterminated last line (being written) is left
/// for the next refresh. Lines of explanations scored by <c>interp score</c> (several per unit, each with its source) are
/// kept apart, by unit, for <see cref="Imported"/>. Immutable; <see cref="IsCurrent"/> tells when the file has grown.
/// </summary>
public sealed class ResultsIndex
{
    private readonly Dictionary<string, Entry> _entries;
    private readonly Dictionary<string, Dictionary<string, UnitResult>> _imported;
    private readonly Dictionary<string, Entry> _importedLines;   // by UnitResult.Key

    private ResultsIndex(string path, long length, DateTime written, Dictionary<string, Entry> entries,
        Dictionary<string, Dictionary<string, UnitResult>> imported, Dictionary<string, Entry> importedLines, IReadOnlyList<string> problems)
    {
        (Path, Length, Written, _entries, _imported, _importedLines, Problems) = (path, length, written, entries, imported, importedLines, problems);
    }

    /// <summary>The results file.</summary>
    public string Path { get; }

    /// <summary>File length when indexed.</summary>
    public long Length { get; }

    /// <summary>Last write time when indexed.</summary>
    public DateTime Written { get; }

    /// <summary>Lines that could not be read (file:line: why).</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Units in the file.</summary>
    public int Count => _entries.Count;

    /// <summary>Every unit id (<c>source/index</c>) in the file.</summary>
    public IEnumerable<string> Units => _entries.Keys;

    /// <summary>True when the file has not changed since it was indexed.</summary>
    public bool IsCurrent()
    {
        var info = new FileInfo(Path);
        return info.Exists && info.Length == Length && info.LastWriteTimeUtc == Written;
    }

    /// <summary>The list-level facts of <paramref name="unit"/> (<c>source/index</c>), or null.</summary>
    public ResultSummary? Summary(string unit) => _entries.TryGetValue(unit, out var e) ? e.Summary : null;

    /// <summary>The explanations of <paramref name="unit"/> that <c>interp score</c> scored (source, text, status and scores; no records), the last line of each.</summary>
    public IReadOnlyCollection<UnitResult> Imported(string unit) => _imported.TryGetValue(unit, out var lines) ? lines.Values : [];

    /// <summary>Every unit (<c>source/index</c>) with an explanation scored by <c>interp score</c>.</summary>
    public IEnumerable<string> ImportedUnits => _imported.Keys;

    /// <summary>The full result of <paramref name="unit"/>, or null when the file has none (or no longer has that line).</summary>
    /// <exception cref="JsonException">The line does not parse as a <see cref="UnitResult"/>.</exception>
    public UnitResult? Read(string unit) => _entries.TryGetValue(unit, out var entry) ? ReadAt(entry) : null;

    /// <summary>
    /// The full line of <paramref name="unit"/>'s explanation <paramref name="explanation"/> from <paramref name="source"/>
    /// as <c>interp score</c> wrote it (with its scored records, real and simulated), or null when the file has none.
    /// </summary>
    /// <exception cref="JsonException">The line does not parse as a <see cref="UnitResult"/>.</exception>
    public UnitResult? ReadImported(string unit, string source, string explanation) =>
        _importedLines.TryGetValue(UnitResult.KeyOf(unit, source, explanation), out var entry) ? ReadAt(entry) : null;

    private UnitResult? ReadAt(Entry entry)
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length < entry.Offset + entry.Length) return null;
        var bytes = new byte[entry.Length];
        stream.Position = entry.Offset;
        stream.ReadExactly(bytes);
        return JsonSerializer.Deserialize<UnitResult>(bytes, ResultJson.Options);
    }

    /// <summary>Indexes <paramref name="path"/>.</summary>
    public static ResultsIndex Build(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var imported = new Dictionary<string, Dictionary<string, UnitResult>>(StringComparer.Ordinal);
        var importedLines = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var problems = new List<string>();
        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        var offset = 0;
        var lineNumber = 0;
        while (offset < bytes.Length)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', offset);
            if (newline < 0) break;                                    // a line still being written
            lineNumber++;
            var line = bytes.AsSpan(offset, newline - offset);
            if (line.Trim((byte)' ').Length > 0)
            {
                try
                {
                    var head = JsonSerializer.Deserialize<ResultHead>(line, ResultJson.Options);
                    if (head is { Unit.Length: > 0, Source: not null })
                    {
                        if (!imported.TryGetValue(head.Unit, out var lines)) imported[head.Unit] = lines = new(StringComparer.Ordinal);
                        var result = new UnitResult { Unit = head.Unit, Source = head.Source, Status = head.Status ?? "", Explanation = head.Explanation, Scores = head.Scores, Error = head.Error };
                        lines[result.Key] = result;
                        importedLines[result.Key] = new Entry(offset, newline - offset, new ResultSummary(head.Unit, result.Ok, head.Explanation, head.Scores?.Correlation, head.Error));
                    }
                    else if (head?.Unit is { Length: > 0 } unit)
                        entries[unit] = new Entry(offset, newline - offset, new ResultSummary(unit, head.Status == "ok", head.Explanation, head.Scores?.Correlation, head.Error));
                }
                catch (JsonException e)
                {
                    problems.Add($"{path}:{lineNumber}: not a result line ({e.Message.Split('\n')[0]})");
                }
            }
            offset = newline + 1;
        }
        return new ResultsIndex(path, info.Length, info.LastWriteTimeUtc, entries, imported, importedLines, problems);
    }

    private sealed record Entry(long Offset, int Length, ResultSummary Summary);

    /// <summary>The fields a list needs; the rest of the line is skipped.</summary>
    private sealed record ResultHead(string? Unit, string? Source, string? Status, string? Error, string? Explanation, ResultScores? Scores);
}

/// <summary>What a unit list shows of a result.</summary>
/// <param name="Unit">The unit id.</param>
/// <param name="Ok">Status ok.</param>
/// <param name="Explanation">The explanation.</param>
/// <param name="Correlation">The simulation correlation score.</param>
/// <param name="Error">Why it failed.</param>
public sealed record ResultSummary(string Unit, bool Ok, string? Explanation, double? Correlation, string? Error);
