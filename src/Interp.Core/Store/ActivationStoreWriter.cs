using System.Globalization;

namespace Interp.Core.Store;

/// <summary>
/// Writes one hook's store folder shard by shard, so that a run killed at any moment can be resumed with exactly the
/// result of a clean run: a shard is written to <c>shard-NNNNN.parquet.PID-N.tmp</c>, renamed when complete, and only then
/// listed in <c>manifest.json</c> (rewritten atomically). Opening a folder again deletes <c>.tmp</c> files and shard
/// files the manifest does not list, and keeps the listed ones; shard <c>j</c> always holds the same contexts
/// (<see cref="StoreLayout"/>), so the pending ones are simply written again.
/// </summary>
/// <remarks>
/// Rows arrive a whole context at a time in ascending global context order (<see cref="Append"/>); row groups are cut
/// at the layout's context boundaries. Memory: one row group of column buffers. Not thread-safe.
/// </remarks>
public sealed class ActivationStoreWriter : IDisposable
{
    private readonly ActivationManifest _plan;
    private readonly SortedDictionary<int, ShardRecord> _done = [];
    private readonly int[] _positions;
    private readonly FolderLock _lock;
    private ParquetShardWriter? _writer;
    private string _tempPath = "";
    private int _shard = -1, _rowGroup = -1;
    private long _shardContexts, _lastContext = -1;

    private ActivationStoreWriter(string folder, ActivationManifest plan, IEnumerable<ShardRecord> done, FolderLock folderLock)
    {
        (Folder, _plan, _lock) = (folder, plan, folderLock);
        foreach (var shard in done) _done[shard.Index] = shard;
        _positions = Enumerable.Range(0, plan.Ctx).ToArray();
    }

    /// <summary>The hook folder.</summary>
    public string Folder { get; }

    /// <summary>The manifest as it stands (finished shards only).</summary>
    public ActivationManifest Manifest => _plan with { Shards = [.. _done.Values], Complete = AllShardsDone };

    /// <summary>Shards still to write, ascending.</summary>
    public IReadOnlyList<int> PendingShards => _plan.Layout.ShardsWithData.Where(j => !_done.ContainsKey(j)).ToArray();

    /// <summary>Whether shard <paramref name="shard"/> is finished.</summary>
    public bool HasShard(int shard) => _done.ContainsKey(shard);

    /// <summary>Rows in finished shards.</summary>
    public long RowsWritten => _done.Values.Sum(s => s.Rows);

    private bool AllShardsDone => _plan.Layout.ShardsWithData.All(_done.ContainsKey);

    /// <summary>Whether <paramref name="folder"/> holds a finished store of exactly the harvest <paramref name="plan"/> describes.</summary>
    public static bool IsComplete(string folder, ActivationManifest plan)
    {
        var path = Path.Combine(folder, ActivationManifest.FileName);
        if (!File.Exists(path)) return false;
        var existing = ActivationManifest.Load(path);
        return existing.Complete && existing.FirstDifference(plan) is null;
    }

    /// <summary>
    /// Opens <paramref name="folder"/> for the harvest <paramref name="plan"/> describes (its shard list is ignored).
    /// A new or empty folder starts fresh; a folder with a manifest for the same harvest resumes; a different harvest, a
    /// complete store, or a folder holding other files is refused unless <paramref name="overwrite"/>, which deletes the
    /// store's files first.
    /// </summary>
    /// <param name="folder">The hook folder (created when missing).</param>
    /// <param name="plan">The harvest: everything but the shard list.</param>
    /// <param name="overwrite">Delete the store's files and start over.</param>
    /// <param name="refuseComplete">Refuse a finished store (false: open it with nothing pending, for a multi-hook
    /// harvest in which another hook still has work).</param>
    /// <exception cref="InterpException">The folder holds another harvest, a finished store, or foreign files, or another
    /// process is writing it (the writer holds a <see cref="FolderLock"/> until disposed).</exception>
    public static ActivationStoreWriter Open(string folder, ActivationManifest plan, bool overwrite, bool refuseComplete = true)
    {
        var folderLock = FolderLock.Acquire(folder);
        try
        {
            return Open(folder, plan, overwrite, refuseComplete, folderLock);
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
    }

    private static ActivationStoreWriter Open(string folder, ActivationManifest plan, bool overwrite, bool refuseComplete, FolderLock folderLock)
    {
        var manifestPath = Path.Combine(folder, ActivationManifest.FileName);
        var done = new List<ShardRecord>();
        if (overwrite) DeleteStoreFiles(folder, keep: new HashSet<string>());
        else if (File.Exists(manifestPath))
        {
            var existing = ActivationManifest.Load(manifestPath);
            if (existing.FirstDifference(plan) is not null)
                throw Refuse(o => $"{manifestPath}: this store was harvested with {existing.FirstDifference(plan, o)}; use another {o("OutDirectory")}, or {o("Overwrite")} to replace it");
            if (existing.Complete && refuseComplete)
                throw Refuse(o => $"{manifestPath}: store is already complete ({existing.RowsWritten:N0} tokens in {existing.Shards.Count} shards); pass {o("Overwrite")} to harvest it again");
            // Keep listed shards whose file is there with the recorded size; anything else is written again.
            done.AddRange(existing.Shards.Where(s => new FileInfo(Path.Combine(folder, s.File)) is { Exists: true } f && f.Length == s.Bytes));
        }
        else
        {
            var foreign = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).FirstOrDefault(n => !IsStoreFile(n!));
            if (foreign is not null)
                throw Refuse(o => $"{folder}: not empty and not an activation store (found '{foreign}'); choose an empty or new {o("OutDirectory")} folder");
        }
        DeleteStoreFiles(folder, keep: done.Select(s => s.File).ToHashSet());
        var writer = new ActivationStoreWriter(folder, plan, done, folderLock);
        writer.Manifest.Save(folder);
        return writer;
    }

    // The output options by meaning, the harvest's (a difference) as the manifest names them.
    private static InvalidOptionException Refuse(Func<Func<string, string>, string> message) =>
        new(message, option => option is "OutDirectory" or "Overwrite" ? OutputPath.Meaning(option) : ActivationManifest.Meaning(option));

    /// <summary>Starts writing shard <paramref name="shard"/> (to its temporary name).</summary>
    public void BeginShard(int shard)
    {
        if (_writer is not null) throw new InvalidOperationException($"shard {_shard} is still open");
        if (_done.ContainsKey(shard)) throw new InvalidOperationException($"shard {shard} is already written");
        var capacity = checked((int)(Math.Min(_plan.Layout.ContextsPerRowGroup, _plan.Layout.ContextsIn(shard)) * _plan.Ctx));
        _tempPath = AtomicFile.TemporaryPath(Path.Combine(Folder, StoreLayout.ShardFileName(shard)));
        _writer = ParquetShardWriter.Create(_tempPath, _plan.D, _plan.ActivationDtype, capacity, ShardMetadata(shard));
        (_shard, _rowGroup, _shardContexts, _lastContext) = (shard, -1, 0, -1);
    }

    /// <summary>
    /// Appends whole contexts to the open shard: <paramref name="contexts"/> (global indices, ascending, this part's,
    /// inside the shard), their tokens <c>[n × ctx]</c> and activations <c>[n × ctx × d]</c> row-major.
    /// </summary>
    public void Append(ReadOnlySpan<long> contexts, ReadOnlySpan<int> tokens, ReadOnlySpan<float> activations)
    {
        var writer = _writer ?? throw new InvalidOperationException("no shard is open");
        var (ctx, d, layout) = (_plan.Ctx, _plan.D, _plan.Layout);
        if (tokens.Length != contexts.Length * ctx || activations.Length != (long)contexts.Length * ctx * d)
            throw new ArgumentException($"{contexts.Length} contexts need {contexts.Length * ctx} tokens and {(long)contexts.Length * ctx * d} values");
        Span<long> contextColumn = ctx <= 4096 ? stackalloc long[ctx] : new long[ctx];
        for (var i = 0; i < contexts.Length; i++)
        {
            var context = contexts[i];
            if (context <= _lastContext || layout.ShardOf(context) != _shard || !layout.Holds(context))
                throw new ArgumentException($"context {context} does not belong next in shard {_shard} of part {layout.ShardK}/{layout.ShardN}");
            var group = layout.RowGroupOf(context);
            if (group != _rowGroup)
            {
                writer.FlushRowGroup();
                _rowGroup = group;
            }
            contextColumn.Fill(context);
            writer.AppendRows(contextColumn, _positions, tokens.Slice(i * ctx, ctx), activations.Slice(i * ctx * d, ctx * d));
            _lastContext = context;
            _shardContexts++;
        }
    }

    /// <summary>
    /// Completes the open shard: writes its footer, renames it into place, and rewrites the manifest listing it.
    /// </summary>
    public ShardRecord EndShard()
    {
        var writer = _writer ?? throw new InvalidOperationException("no shard is open");
        var expected = _plan.Layout.ContextsIn(_shard);
        if (_shardContexts != expected) throw new InvalidOperationException($"shard {_shard} got {_shardContexts} contexts; it holds {expected}");
        var info = writer.Complete();
        writer.Dispose();
        _writer = null;
        var name = StoreLayout.ShardFileName(_shard);
        File.Move(_tempPath, Path.Combine(Folder, name), overwrite: true);
        var record = new ShardRecord(_shard, name, _plan.Layout.ShardRange(_shard).First, _shardContexts, info.Rows, info.Bytes, info.Sha256);
        _done[_shard] = record;
        Manifest.Save(Folder);
        return record;
    }

    /// <summary>Stops without finishing the open shard: its temporary file stays behind, as after a crash.</summary>
    public void Abandon()
    {
        _writer?.Dispose();
        _writer = null;
    }

    /// <summary>Abandons any open shard and releases the folder.</summary>
    public void Dispose()
    {
        Abandon();
        _lock.Dispose();
    }

    private List<KeyValuePair<string, string>> ShardMetadata(int shard) =>
    [
        new("interp.format", ActivationManifest.FormatName),
        new("interp.format_version", ActivationManifest.CurrentFormatVersion.ToString(CultureInfo.InvariantCulture)),
        new("interp.hook", _plan.Hook),
        new("interp.d", _plan.D.ToString(CultureInfo.InvariantCulture)),
        new("interp.dtype", _plan.Dtype),
        new("interp.ctx", _plan.Ctx.ToString(CultureInfo.InvariantCulture)),
        new("interp.prepend_bos", _plan.PrependBos ? "true" : "false"),
        new("interp.model_weights_sha256", _plan.Model.WeightsSha256),
        new("interp.shard_index", shard.ToString(CultureInfo.InvariantCulture)),
    ];

    private static bool IsStoreFile(string name) =>
        name == ActivationManifest.FileName || name == FolderLock.FileName || name.EndsWith(".tmp", StringComparison.Ordinal) ||
        (name.StartsWith("shard-", StringComparison.Ordinal) && name.EndsWith(".parquet", StringComparison.Ordinal));

    private static void DeleteStoreFiles(string folder, IReadOnlySet<string> keep)
    {
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            if (name == ActivationManifest.FileName || name == FolderLock.FileName || keep.Contains(name) || !IsStoreFile(name)) continue;
            File.Delete(path);
        }
    }
}
