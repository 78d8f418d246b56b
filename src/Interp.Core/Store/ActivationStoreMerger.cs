namespace Interp.Core.Store;

/// <summary>
/// Merges the N part stores of a split harvest (<c>--shard 1/N</c> … <c>--shard N/N</c>) into the store a single
/// machine would have written: for each shard index the parts' rows are interleaved by global context and written
/// with the same row-group boundaries, so the merged shards are byte-for-byte those of a single harvest (when the
/// activations themselves are). Resumable like a harvest; memory is about one output shard.
/// </summary>
public static class ActivationStoreMerger
{
    /// <summary>
    /// Merges the stores under <paramref name="inputs"/> (store roots or hook folders) into <paramref name="output"/>
    /// (one subfolder per hook). Every hook must have all N parts, complete and from the same harvest.
    /// After each shard, <paramref name="progress"/> hears how many shards of all hooks are merged (those an earlier run merged count).
    /// </summary>
    /// <returns>The merged manifests, one per hook.</returns>
    /// <exception cref="InterpException">A part is missing, unfinished, damaged or from another harvest.</exception>
    public static IReadOnlyList<ActivationManifest> Merge(IReadOnlyList<string> inputs, string output, bool overwrite,
        Action<StageProgress>? progress = null)
    {
        if (inputs.Count == 0) throw new InterpException("store merge: no input stores given");
        var byHook = new SortedDictionary<string, List<ActivationStoreReader>>(StringComparer.Ordinal);
        var opened = new List<ActivationStoreReader>();
        try
        {
            foreach (var input in inputs)
            {
                var folders = ActivationStoreReader.HookFolders(input);
                if (folders.Count == 0) throw new InterpException($"{input}: not an activation store (no {ActivationManifest.FileName} here or in its subfolders)");
                foreach (var folder in folders)
                {
                    var reader = ActivationStoreReader.Open(folder);
                    opened.Add(reader);
                    if (!byHook.TryGetValue(reader.Manifest.Hook, out var list)) byHook[reader.Manifest.Hook] = list = [];
                    list.Add(reader);
                }
            }
            var total = byHook.Values.Sum(parts => Unsplit(parts[0].Manifest).Layout.ShardsWithData.Count());
            var (merged, finished) = (new List<ActivationManifest>(), 0);                 // shards of the hooks merged before this one
            foreach (var (hook, parts) in byHook)
            {
                var (planned, before) = (Unsplit(parts[0].Manifest).Layout.ShardsWithData.Count(), finished);
                merged.Add(MergeHook(hook, parts, Path.Combine(output, hook), overwrite, (done, pending) =>
                    progress?.Invoke(new StageProgress(before + planned - pending + done, total, $"{hook}: shard {planned - pending + done}/{planned}"))));
                finished += planned;
            }
            return merged;
        }
        finally
        {
            foreach (var reader in opened) reader.Dispose();
        }
    }

    private static ActivationManifest MergeHook(string hook, List<ActivationStoreReader> parts, string folder, bool overwrite,
        Action<int, int> progress)
    {
        var first = parts[0].Manifest;
        var n = first.Layout.ShardN;
        foreach (var part in parts)
        {
            var m = part.Manifest;
            if (m.Layout.ShardN != n)
                throw new InterpException($"{part.Folder}: part {m.Layout.ShardK}/{m.Layout.ShardN} does not belong with {parts[0].Folder} (part {first.Layout.ShardK}/{n})");
            if (Unsplit(first).FirstDifference(Unsplit(m)) is not null)
                throw new InvalidOptionException(o => $"{part.Folder}: from another harvest than {parts[0].Folder}, which has {Unsplit(first).FirstDifference(Unsplit(m), o)}",
                    ActivationManifest.Meaning);
        }
        var byK = parts.GroupBy(p => p.Manifest.Layout.ShardK).ToDictionary(g => g.Key, g => g.ToArray());
        if (byK.Values.FirstOrDefault(g => g.Length > 1) is { } duplicate)
            throw new InterpException($"{hook}: part {duplicate[0].Manifest.Layout.ShardK}/{n} given twice ({duplicate[0].Folder}, {duplicate[1].Folder})");
        var missing = Enumerable.Range(1, n).Where(k => !byK.ContainsKey(k)).ToArray();
        if (missing.Length > 0) throw new InterpException($"{hook}: part(s) {string.Join(", ", missing.Select(k => $"{k}/{n}"))} missing from the inputs");

        var plan = Unsplit(first) with { TotalTokens = parts.Sum(p => p.Manifest.TotalTokens), Shards = [], Complete = false };
        using var writer = ActivationStoreWriter.Open(folder, plan, overwrite);
        var pending = writer.PendingShards;
        var (ctx, d) = (plan.Ctx, plan.D);
        for (var i = 0; i < pending.Count; i++)
        {
            var shard = pending[i];
            // Every part's rows for this shard, then the contexts in ascending order with where each one is.
            var blocks = new List<ActivationRows>();
            var where = new List<(long Context, int Block, int Row)>();
            foreach (var part in parts)
            {
                var index = part.Manifest.Shards.ToList().FindIndex(s => s.Index == shard);
                if (index < 0) continue;
                var file = part.Shard(index);
                for (var g = 0; g < file.RowGroupCount; g++)
                {
                    var rows = new ActivationRows();
                    file.ReadRowGroup(g, rows);
                    for (var r = 0; r < rows.Rows; r += ctx) where.Add((rows.Context[r], blocks.Count, r));
                    blocks.Add(rows);
                }
            }
            where.Sort((a, b) => a.Context.CompareTo(b.Context));
            writer.BeginShard(shard);
            foreach (var (context, block, row) in where)
            {
                var rows = blocks[block];
                writer.Append([context], rows.Token.AsSpan(row, ctx), rows.Activations.AsSpan(row * d, ctx * d));
            }
            writer.EndShard();
            progress(i + 1, pending.Count);
        }
        return writer.Manifest;
    }

    private static ActivationManifest Unsplit(ActivationManifest m) => m with { Layout = m.Layout with { ShardK = 1, ShardN = 1 } };
}
