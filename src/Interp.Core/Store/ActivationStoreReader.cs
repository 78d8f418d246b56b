using System.Security.Cryptography;

namespace Interp.Core.Store;

/// <summary>
/// Reads one hook's activation store: streams row-major float32 batches (in order, or through a seeded shuffle buffer),
/// loads the whole store into memory when it fits, and gives access to the context/position/token columns. Each shard
/// is checked against the manifest the first time it is opened (present, full size, SHA-256), and a bad one is an
/// <see cref="InterpException"/> naming the shard and the reason (missing, truncated, altered).
/// </summary>
/// <example>
/// <code>
/// using var store = ActivationStoreReader.Open("runs/x/activations/blocks.2.hook_resid_pre");
/// foreach (var batch in store.Batches(4096, shuffle: true, seed: 0)) { /* batch is [4096 × store.D] */ }
/// </code>
/// </example>
public sealed class ActivationStoreReader : IDisposable
{
    private readonly Lazy<ParquetShardFile>[] _shards;

    private ActivationStoreReader(string folder, ActivationManifest manifest)
    {
        (Folder, Manifest) = (folder, manifest);
        _shards = manifest.Shards.Select(s => new Lazy<ParquetShardFile>(() => OpenShard(s), LazyThreadSafetyMode.ExecutionAndPublication)).ToArray();
    }

    /// <summary>The hook folder.</summary>
    public string Folder { get; }

    /// <summary>The store's manifest.</summary>
    public ActivationManifest Manifest { get; }

    /// <summary>Activation width.</summary>
    public int D => Manifest.D;

    /// <summary>Rows (token positions) in the store.</summary>
    public long Rows => Manifest.RowsWritten;

    /// <summary>
    /// Rows at position 0 when every context starts with a prepended BOS (<see cref="ActivationManifest.PrependBos"/>),
    /// else 0. Row groups hold whole contexts, so this is one row per context.
    /// </summary>
    public long BosRows => Manifest.PrependBos ? Rows / Manifest.Ctx : 0;

    /// <summary>Bytes of float32 activations the whole store expands to in memory.</summary>
    public long Float32Bytes => Rows * D * sizeof(float);

    /// <summary>
    /// Opens a hook folder (holding <c>manifest.json</c>), or a store root with one hook folder, or a store root and a
    /// <paramref name="hook"/> name. Refuses an unfinished store unless <paramref name="allowIncomplete"/>.
    /// </summary>
    /// <exception cref="InterpException">No store there, several hooks and none chosen, or the store is unfinished.</exception>
    public static ActivationStoreReader Open(string path, string? hook = null, bool allowIncomplete = false)
    {
        var folder = ResolveHookFolder(path, hook);
        var manifest = ActivationManifest.Load(folder);
        if (!manifest.Complete && !allowIncomplete)
            throw new InterpException($"{Path.Combine(folder, ActivationManifest.FileName)}: store is unfinished ({manifest.RowsWritten:N0} of {manifest.TotalTokens:N0} tokens); " +
                                      "re-run the same harvest command to finish it");
        return new ActivationStoreReader(folder, manifest);
    }

    /// <summary>
    /// The hook folders under <paramref name="path"/>: itself when it holds <c>manifest.json</c>, else its subfolders
    /// that do (sorted by name).
    /// </summary>
    public static IReadOnlyList<string> HookFolders(string path)
    {
        if (File.Exists(Path.Combine(path, ActivationManifest.FileName))) return [path];
        if (!Directory.Exists(path)) throw new InterpException($"{path}: folder not found");
        return Directory.EnumerateDirectories(path).Where(d => File.Exists(Path.Combine(d, ActivationManifest.FileName)))
            .Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The hook folder for <paramref name="path"/> and an optional <paramref name="hook"/> (see <see cref="Open"/>).</summary>
    public static string ResolveHookFolder(string path, string? hook)
    {
        if (hook is not null && File.Exists(Path.Combine(path, hook, ActivationManifest.FileName))) return Path.Combine(path, hook);
        var folders = HookFolders(path);
        if (hook is not null)
        {
            if (folders.Count == 1 && ActivationManifest.Load(folders[0]).Hook == hook) return folders[0];
            throw new InterpException($"{path}: no store for hook '{hook}' (hooks here: {Names(folders)})");
        }
        return folders.Count switch
        {
            1 => folders[0],
            0 => throw new InterpException($"{path}: not an activation store (no {ActivationManifest.FileName} here or in its subfolders)"),
            _ => throw new InterpException($"{path}: holds several hooks ({Names(folders)}); name one"),
        };
    }

    /// <summary>Shard <paramref name="index"/> (position in the manifest's list), checked against the manifest on first use.</summary>
    public ParquetShardFile Shard(int index) => _shards[index].Value;

    /// <summary>
    /// Checks every shard against the manifest (presence, size, SHA-256, schema, rows), reading each file in full.
    /// Returns one line per bad shard (empty when all are good).
    /// </summary>
    public IReadOnlyList<string> Verify(Action<ShardRecord, string?>? progress = null)
    {
        var problems = new List<string>();
        foreach (var shard in Manifest.Shards)
        {
            string? problem = null;
            try
            {
                using var file = OpenShard(shard);
            }
            catch (InterpException e)
            {
                problem = e.Message;
                problems.Add(problem);
            }
            progress?.Invoke(shard, problem);
        }
        return problems;
    }

    /// <summary>
    /// Row groups in store order (ascending context), each with the index columns and, when
    /// <paramref name="activations"/>, the row-major activations. The yielded object is reused: copy what you keep.
    /// The next row group is decoded on a background thread while the caller works on the current one.
    /// With <paramref name="withoutBos"/>, the BOS rows (<see cref="BosRows"/>) are left out of every group.
    /// </summary>
    public IEnumerable<ActivationRows> RowGroups(bool activations = true, bool withoutBos = false) =>
        ReadAhead(Order(shuffleSeed: null), activations, withoutBos);

    /// <summary>
    /// Batches of <paramref name="batchSize"/> rows as row-major <c>[batchSize × D]</c> arrays; the last one may be
    /// shorter unless <paramref name="dropLast"/>. Each batch is a fresh array, unless <paramref name="reuse"/>: then one
    /// array is refilled for every full batch (valid until the next batch is asked for), which avoids allocating a large
    /// array per batch and is several times faster for wide activations; copy it (e.g. into a tensor) before moving on. With <paramref name="shuffle"/>, shards' row groups are visited in an
    /// order drawn from <paramref name="seed"/> and rows pass a shuffle buffer of <paramref name="shuffleBufferRows"/>
    /// rows (each incoming row swaps out a uniformly chosen buffered row; 0 picks about 128 MiB of rows, at least 4096):
    /// the same seed gives the same batches, and every row appears exactly once per pass. With <paramref name="withoutBos"/>
    /// the BOS rows (<see cref="BosRows"/>) are left out.
    /// </summary>
    public IEnumerable<float[]> Batches(int batchSize, bool shuffle = false, int seed = 0, int shuffleBufferRows = 0, bool dropLast = false,
        bool reuse = false, bool withoutBos = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(shuffleBufferRows);
        return shuffle ? Shuffled(batchSize, seed, ShuffleBufferRows(shuffleBufferRows), dropLast, reuse, withoutBos) : InOrder(batchSize, dropLast, reuse, withoutBos);
    }

    /// <summary>The shuffle buffer's size in rows for a requested size (0: about 128 MiB of float32 rows, at least 4096).</summary>
    public int ShuffleBufferRows(int requested = 0) => requested > 0 ? requested : Math.Max(4096, (int)((128L << 20) / (sizeof(float) * D)));

    /// <summary>Whether <see cref="LoadAll"/> fits: one array, and under 80 % of the memory available to this process.</summary>
    public bool FitsInMemory => Rows * D <= Array.MaxLength && Float32Bytes < 0.8 * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>The whole store as one row-major <c>[Rows × D]</c> float32 array, in store order; with <paramref name="withoutBos"/>, less the BOS rows.</summary>
    /// <exception cref="InterpException">It does not fit (see <see cref="FitsInMemory"/>).</exception>
    public float[] LoadAll(bool withoutBos = false)
    {
        if (!FitsInMemory)
            throw new InterpException($"{Folder}: the store needs {Float32Bytes / 1e9:F1} GB as float32, more than fits in memory here " +
                                      $"({GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9:F1} GB available); stream it with Batches");
        var all = GC.AllocateUninitializedArray<float>(checked((int)((Rows - (withoutBos ? BosRows : 0)) * D)));
        long at = 0;
        foreach (var group in RowGroups(withoutBos: withoutBos))
        {
            group.Activations.AsSpan(0, group.Rows * D).CopyTo(all.AsSpan(checked((int)at)));
            at += (long)group.Rows * D;
        }
        return all;
    }

    /// <summary>The context, position and token columns of the whole store, in store order (no activations read).</summary>
    public (long[] Context, int[] Position, int[] Token) LoadIndex()
    {
        var (context, position, token) = (new long[Rows], new int[Rows], new int[Rows]);
        var at = 0;
        foreach (var group in RowGroups(activations: false))
        {
            group.Context.AsSpan(0, group.Rows).CopyTo(context.AsSpan(at));
            group.Position.AsSpan(0, group.Rows).CopyTo(position.AsSpan(at));
            group.Token.AsSpan(0, group.Rows).CopyTo(token.AsSpan(at));
            at += group.Rows;
        }
        return (context, position, token);
    }

    /// <summary>Closes the shard files opened so far.</summary>
    public void Dispose()
    {
        foreach (var shard in _shards.Where(s => s.IsValueCreated)) shard.Value.Dispose();
    }

    private IEnumerable<float[]> InOrder(int batchSize, bool dropLast, bool reuse, bool withoutBos)
    {
        var batch = GC.AllocateUninitializedArray<float>(batchSize * D);
        var filled = 0;
        foreach (var group in RowGroups(withoutBos: withoutBos))
        {
            var (at, end) = (0, group.Rows * D);
            while (at < end)
            {
                var take = Math.Min(end - at, batch.Length - filled * D);
                group.Activations.AsSpan(at, take).CopyTo(batch.AsSpan(filled * D));
                at += take;
                filled += take / D;
                if (filled == batchSize)
                {
                    yield return batch;
                    if (!reuse) batch = GC.AllocateUninitializedArray<float>(batchSize * D);
                    filled = 0;
                }
            }
        }
        if (filled > 0 && !dropLast) yield return batch.AsSpan(0, filled * D).ToArray();
    }

    private IEnumerable<float[]> Shuffled(int batchSize, int seed, int bufferRows, bool dropLast, bool reuse, bool withoutBos)
    {
        var d = D;
        var random = new Random(seed);
        var capacity = (int)Math.Min(bufferRows, Math.Max(1, Rows));
        var buffer = GC.AllocateUninitializedArray<float>(checked(capacity * d));
        var count = 0;
        var batch = GC.AllocateUninitializedArray<float>(batchSize * d);
        var filled = 0;
        foreach (var group in ReadAhead(Order(seed), activations: true, withoutBos))
        {
            for (var r = 0; r < group.Rows; r++)
            {
                if (count < capacity)
                {
                    group.Activations.AsSpan(r * d, d).CopyTo(buffer.AsSpan(count++ * d));
                    continue;
                }
                var k = random.Next(capacity);
                buffer.AsSpan(k * d, d).CopyTo(batch.AsSpan(filled++ * d));
                group.Activations.AsSpan(r * d, d).CopyTo(buffer.AsSpan(k * d));
                if (filled == batchSize)
                {
                    yield return batch;
                    if (!reuse) batch = GC.AllocateUninitializedArray<float>(batchSize * d);
                    filled = 0;
                }
            }
        }
        // Drain the buffer in a random order.
        for (var i = count - 1; i >= 0; i--)
        {
            var k = random.Next(i + 1);
            buffer.AsSpan(k * d, d).CopyTo(batch.AsSpan(filled++ * d));
            if (k != i) buffer.AsSpan(i * d, d).CopyTo(buffer.AsSpan(k * d));
            if (filled == batchSize)
            {
                yield return batch;
                if (!reuse) batch = GC.AllocateUninitializedArray<float>(batchSize * d);
                filled = 0;
            }
        }
        if (filled > 0 && !dropLast) yield return batch.AsSpan(0, filled * d).ToArray();
    }

    // (shard, row group) pairs in store order (lazily: each shard is opened and checked when reached), or shuffled by a
    // seed (which opens and checks every shard first, to know their row groups).
    private IEnumerable<(int Shard, int Group)> Order(int? shuffleSeed)
    {
        if (shuffleSeed is not { } seed)
            return Enumerable.Range(0, _shards.Length).SelectMany(s => Enumerable.Range(0, Shard(s).RowGroupCount).Select(g => (s, g)));
        var items = Enumerable.Range(0, _shards.Length).SelectMany(s => Enumerable.Range(0, Shard(s).RowGroupCount).Select(g => (s, g))).ToArray();
        new Random(unchecked(seed * 31 + 17)).Shuffle(items);
        return items;
    }

    private IEnumerable<ActivationRows> ReadAhead(IEnumerable<(int Shard, int Group)> order, bool activations, bool withoutBos = false)
    {
        withoutBos &= Manifest.PrependBos;
        var buffers = new[] { new ActivationRows(), new ActivationRows() };
        using var next = order.GetEnumerator();
        if (!next.MoveNext()) yield break;
        Task Read((int Shard, int Group) item, ActivationRows into) => Task.Run(() =>
        {
            Shard(item.Shard).ReadRowGroup(item.Group, into, activations);
            if (withoutBos) into.RemoveFirstPositions(activations);
        });
        var pending = Read(next.Current, buffers[0]);
        try
        {
            for (var i = 0; ; i++)
            {
                pending.GetAwaiter().GetResult();
                var more = next.MoveNext();
                if (more) pending = Read(next.Current, buffers[(i + 1) % 2]);
                yield return buffers[i % 2];
                if (!more) yield break;
            }
        }
        finally
        {
            // A caller that stops early must not leave a read running against a file it may close next.
            try { pending.Wait(); } catch (AggregateException) { }
        }
    }

    private ParquetShardFile OpenShard(ShardRecord shard)
    {
        var path = Path.Combine(Folder, shard.File);
        if (!File.Exists(path)) throw new InterpException($"{path}: missing (listed in {ActivationManifest.FileName})");
        var length = new FileInfo(path).Length;
        if (length < shard.Bytes) throw new InterpException($"{path}: truncated ({length:N0} of {shard.Bytes:N0} bytes)");
        if (length > shard.Bytes) throw new InterpException($"{path}: altered ({length:N0} bytes; the manifest says {shard.Bytes:N0})");
        string sha;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (sha != shard.Sha256) throw new InterpException($"{path}: altered (sha256 {sha[..12]}… does not match the manifest's {shard.Sha256[..12]}…)");
        var file = ParquetShardFile.Open(path);
        try
        {
            if (file.D != Manifest.D || file.Dtype != Manifest.ActivationDtype || file.Rows != shard.Rows)
                throw new InterpException($"{path}: holds {file.Rows} rows of d={file.D} {ActivationSchema.Name(file.Dtype)}; the manifest says {shard.Rows} rows of d={Manifest.D} {Manifest.Dtype}");
            if (file.Metadata.TryGetValue("interp.hook", out var hook) && hook != Manifest.Hook)
                throw new InterpException($"{path}: written for hook {hook}; the manifest is for {Manifest.Hook}");
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static string Names(IEnumerable<string> folders) => string.Join(", ", folders.Select(Path.GetFileName)) is { Length: > 0 } s ? s : "none";
}
