using System.Text.Json;
using Interp.Core;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// Joins the N part folders of an autointerp run split over machines (<see cref="AutoInterpJobOptions.Shard"/> 1/N … N/N,
/// each with its <see cref="AutoInterpPart"/> file) into the folder one machine would have written: <c>results.jsonl</c>
/// with one line per unit (each unit's last line, copied byte for byte) in the order an unsplit run takes the units,
/// <c>summary.json</c> recomputed over those lines, and <c>openai_explanations.jsonl</c>. Refuses, in one line naming the
/// folder, a part that is missing, given twice, unfinished, overlapping another or from another job. The LLM response
/// caches (<c>cache/</c>) stay in the parts.
/// </summary>
public static class AutoInterpMerger
{
    /// <summary>Merges <paramref name="parts"/> into <paramref name="outDirectory"/>; <paramref name="progress"/> hears after each part.</summary>
    /// <returns>The summary of the merged results.</returns>
    /// <exception cref="InterpException">A part is missing, given twice, unfinished, overlapping or from another job; or results are in the output and <paramref name="overwrite"/> is false.</exception>
    public static BatchSummary Merge(IReadOnlyList<string> parts, string outDirectory, bool overwrite, Action<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(outDirectory);
        if (parts.Count == 0) throw new InterpException("autointerp merge: no part folders given");
        var ordered = Check(parts.Select(folder => new Part(folder, AutoInterpPart.Load(folder))).ToList());
        var lines = ordered.Select(IndexResults).ToArray();                            // refuses an unfinished part before anything is written

        using var folderLock = FolderLock.Acquire(outDirectory);                      // one writer per results folder
        var resultsPath = Path.Combine(outDirectory, ResultsFile.FileName);
        if (File.Exists(resultsPath) && !overwrite)
            throw new InvalidOptionException(o => $"{resultsPath}: results are already there; pass {o("Overwrite")} to replace them, or use another {o("OutDirectory")}",
                OutputPath.Meaning);
        var (total, copied) = (ordered.Sum(p => p.File.Units.Count), 0);
        AtomicFile.Write(resultsPath, tmp =>
        {
            using var output = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            for (var i = 0; i < ordered.Count; i++)
            {
                using var input = new FileStream(Path.Combine(ordered[i].Folder, ResultsFile.FileName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                foreach (var unit in ordered[i].File.Units)
                {
                    var (offset, length) = lines[i][unit];
                    input.Position = offset;
                    var bytes = new byte[length];
                    input.ReadExactly(bytes);
                    output.Write(bytes);
                    output.WriteByte((byte)'\n');
                }
                copied += ordered[i].File.Units.Count;
                progress?.Invoke(new StageProgress(copied, total, $"part {ordered[i].File.Shard}: {copied:N0}/{total:N0} units"));
            }
        });
        var summary = BatchSummary.Compute(ResultsFile.ReadAll(resultsPath, headsOnly: true));
        AutoInterpRunner.WriteSummary(summary, Path.Combine(outDirectory, AutoInterpRunner.SummaryFileName));
        OpenAiExport.Write(resultsPath, Path.Combine(outDirectory, OpenAiExport.FileName));
        return summary;
    }

    private sealed record Part(string Folder, AutoInterpPart File);

    // The parts in K order, after checking that they are the N parts of one job, each once, no unit in two.
    private static List<Part> Check(List<Part> parts)
    {
        var first = parts[0];
        foreach (var part in parts.Skip(1))
        {
            if (part.File.Shard.N != first.File.Shard.N)
                throw new InterpException($"{part.Folder}: part {part.File.Shard} does not belong with {first.Folder} (part {first.File.Shard})");
            if (JsonDifference.First(first.File.Job, part.File.Job) is { } difference)
                throw new InterpException($"{part.Folder}: from another autointerp job than {first.Folder}, which has {difference}");
        }
        var n = first.File.Shard.N;
        foreach (var group in parts.GroupBy(p => p.File.Shard.K).Where(g => g.Count() > 1))
            throw new InterpException($"{group.ElementAt(1).Folder}: part {group.Key}/{n} given twice (also {group.First().Folder})");
        var missing = Enumerable.Range(1, n).Where(k => parts.All(p => p.File.Shard.K != k)).ToArray();
        if (missing.Length > 0)
            throw new InterpException($"{first.Folder}: part(s) {string.Join(", ", missing.Select(k => $"{k}/{n}"))} of its job missing from the inputs");
        var ordered = parts.OrderBy(p => p.File.Shard.K).ToList();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in ordered)
            foreach (var unit in part.File.Units)
                if (!owner.TryAdd(unit, part.Folder))
                    throw new InterpException($"{part.Folder}: unit {unit} is also in {owner[unit]} (the parts overlap)");
        return ordered;
    }

    // Where each of the part's units has its last complete line in the part's results.jsonl (lines that do not parse are
    // skipped, as ResultsTally does); refuses a part whose units are not all there.
    private static Dictionary<string, (long Offset, int Length)> IndexResults(Part part)
    {
        var path = Path.Combine(part.Folder, ResultsFile.FileName);
        var wanted = part.File.Units.ToHashSet(StringComparer.Ordinal);
        var index = new Dictionary<string, (long Offset, int Length)>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
            var (line, buffer) = (new MemoryStream(), new byte[1 << 16]);
            long position = 0, start = 0;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                var from = 0;
                int newline;
                while ((newline = Array.IndexOf(buffer, (byte)'\n', from, read - from)) >= 0)
                {
                    line.Write(buffer, from, newline - from);
                    if (UnitOf(line.GetBuffer().AsSpan(0, (int)line.Length)) is { } unit && wanted.Contains(unit)) index[unit] = (start, (int)line.Length);
                    line.SetLength(0);
                    (from, start) = (newline + 1, position + newline + 1);
                }
                line.Write(buffer, from, read - from);                                // an unterminated last line is not a line yet
                position += read;
            }
        }
        if (index.Count < wanted.Count)
            throw new InterpException($"{part.Folder}: part {part.File.Shard} is unfinished ({index.Count:N0} of {wanted.Count:N0} units in {ResultsFile.FileName}); " +
                                      "run its autointerp command again to finish it");
        return index;
    }

    private static string? UnitOf(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize<Header>(line, ResultJson.Options) is { Unit.Length: > 0 } header ? header.Unit : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Header(string? Unit);
}
