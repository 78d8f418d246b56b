using System.Diagnostics;
using System.Text.Json.Nodes;
using Interp.Core;

namespace Interp.Records;

/// <summary>
/// Joins the N part folders of a records job split over machines (<see cref="RecordsJobOptions.Shard"/> 1/N … N/N)
/// into the records folder one machine would have written: the same unit rows and records, the same context tokens and
/// vocabulary, and a manifest with the same job key. Refuses, in one line naming the folder, a part that is missing,
/// given twice, unfinished, overlapping another or from another job. An interrupted merge resumes when run again.
/// </summary>
public static class RecordsMerger
{
    /// <summary>Merges <paramref name="parts"/> (records folders) into <paramref name="outDirectory"/>; <paramref name="progress"/> hears after each part.</summary>
    /// <exception cref="InterpException">A part is missing, given twice, unfinished, overlapping or from another job; or the output is refused.</exception>
    public static RecordsJobResult Merge(IReadOnlyList<string> parts, string outDirectory, bool overwrite, Action<StageProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(outDirectory);
        if (parts.Count == 0) throw new InterpException("records merge: no part folders given");
        var clock = Stopwatch.StartNew();
        var ordered = Check(parts.Select(Open).ToList());
        var first = ordered[0].Manifest;
        var total = ordered.Sum(p => p.Units.Length);
        var manifest = first with { Shard = null, UnitCount = total, Build = null };
        using var writer = UnitRecordStoreWriter.Open(outDirectory, manifest, overwrite);
        var resumed = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            var part = ordered[i];
            if (part.Units.All(writer.DoneUnits.Contains)) resumed += part.Units.Length;      // an interrupted merge copied it
            else writer.CopyFrom(part.Database);
            progress?.Invoke(new StageProgress(i + 1, ordered.Count, $"part {part.Split}: {part.Units.Length:N0} units"));
        }
        var finished = manifest with { Build = RecordsBuild.FinishedNow(clock.Elapsed, resumed, first.Build?.UnitsPerChunk ?? 0) };
        var path = writer.Complete(finished);
        return new RecordsJobResult(path, finished, total - resumed, resumed, clock.Elapsed, new FileInfo(path).Length);
    }

    private sealed record Part(string Folder, string Database, RecordsManifest Manifest, WorkSplit Split, int[] Units);

    // A finished part: UnitRecordStore refuses a missing or unfinished store, naming it.
    private static Part Open(string folder)
    {
        using var store = UnitRecordStore.Open(folder);
        var split = store.Manifest.Shard
                    ?? throw new InterpException($"{folder}: not a part of a split records job (its manifest has no shard); only parts are merged");
        return new Part(folder, store.Path, store.Manifest, split, store.Units.Select(u => u.Index).ToArray());
    }

    // The parts in K order, after checking that they are the N parts of one job, each once, none overlapping another.
    private static List<Part> Check(List<Part> parts)
    {
        var first = parts[0];
        var job = JobOf(first.Manifest);
        foreach (var part in parts.Skip(1))
        {
            if (part.Split.N != first.Split.N)
                throw new InterpException($"{part.Folder}: part {part.Split} does not belong with {first.Folder} (part {first.Split})");
            if (JsonDifference.First(job, JobOf(part.Manifest)) is { } difference)
                throw new InterpException($"{part.Folder}: from another records job than {first.Folder}, which has {difference}");
        }
        var n = first.Split.N;
        foreach (var group in parts.GroupBy(p => p.Split.K).Where(g => g.Count() > 1))
            throw new InterpException($"{group.ElementAt(1).Folder}: part {group.Key}/{n} given twice (also {group.First().Folder})");
        var missing = Enumerable.Range(1, n).Where(k => parts.All(p => p.Split.K != k)).ToArray();
        if (missing.Length > 0)
            throw new InterpException($"{first.Folder}: part(s) {string.Join(", ", missing.Select(k => $"{k}/{n}"))} of its job missing from the inputs");
        var ordered = parts.OrderBy(p => p.Split.K).ToList();
        // Each part holds a contiguous range of the job's ascending units, so part K's all lie below part K+1's.
        Part? previous = null;
        foreach (var part in ordered.Where(p => p.Units.Length > 0))
        {
            if (previous is not null && part.Units[0] <= previous.Units[^1])
                throw new InterpException($"{part.Folder}: its units overlap those of {previous.Folder} (unit {part.Units[0]} is at or below {previous.Units[^1]})");
            previous = part;
        }
        return ordered;
    }

    // A part's job: its manifest without what differs between the parts of one job (the part, its unit count).
    private static JsonNode JobOf(RecordsManifest manifest) => JsonNode.Parse((manifest with { Shard = null, UnitCount = 0 }).JobKey())!;
}
