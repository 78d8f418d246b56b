using System.Text.Json.Serialization;

namespace Interp.Core.Store;

/// <summary>
/// How a harvest's contexts map to shard files and row groups. Contexts are numbered globally <c>0 .. Contexts-1</c>;
/// shard <c>j</c> always covers contexts <c>[j × ContextsPerShard, (j + 1) × ContextsPerShard)</c> and, inside it, row
/// group <c>r</c> covers the next <see cref="ContextsPerRowGroup"/> of them, so a shard's content never depends on how
/// the run was batched, interrupted or resumed. With <c>--shard K/N</c> a store holds only contexts <c>i</c> with
/// <c>i % N == K - 1</c>, in the same shard and row-group ranges (empty ones are not written), which is what lets
/// <c>interp store merge</c> rebuild exactly the single-machine store.
/// </summary>
/// <param name="Contexts">Contexts in the whole harvest (all N parts together).</param>
/// <param name="ContextsPerShard">Contexts a shard covers (a multiple of <paramref name="ContextsPerRowGroup"/>).</param>
/// <param name="ContextsPerRowGroup">Contexts a row group covers.</param>
/// <param name="ShardK">This part, 1-based (1 when not split).</param>
/// <param name="ShardN">Number of parts (1 when not split).</param>
public sealed record StoreLayout(long Contexts, long ContextsPerShard, long ContextsPerRowGroup, int ShardK = 1, int ShardN = 1)
{
    /// <summary>Default target size of a row group on disk.</summary>
    public const long RowGroupTargetBytes = 16L << 20;

    /// <summary>Shard indices covering the whole harvest.</summary>
    [JsonIgnore]
    public int ShardCount => (int)((Contexts + ContextsPerShard - 1) / ContextsPerShard);

    /// <summary>Contexts this store holds (this part's share).</summary>
    [JsonIgnore]
    public long SelectedContexts => CountSelected(0, Contexts);

    /// <summary>The global context range <c>[First, End)</c> of shard <paramref name="shard"/>.</summary>
    public (long First, long End) ShardRange(int shard)
    {
        var first = shard * ContextsPerShard;
        return (first, Math.Min(Contexts, first + ContextsPerShard));
    }

    /// <summary>Whether this part holds global context <paramref name="context"/>.</summary>
    public bool Holds(long context) => context % ShardN == ShardK - 1;

    /// <summary>The contexts of shard <paramref name="shard"/> that this part holds, ascending.</summary>
    public IEnumerable<long> ContextsOf(int shard)
    {
        var (first, end) = ShardRange(shard);
        var start = first + (((ShardK - 1 - first) % ShardN) + ShardN) % ShardN;
        for (var c = start; c < end; c += ShardN) yield return c;
    }

    /// <summary>How many contexts of shard <paramref name="shard"/> this part holds.</summary>
    public long ContextsIn(int shard)
    {
        var (first, end) = ShardRange(shard);
        return CountSelected(first, end);
    }

    /// <summary>The shards this part writes (those holding at least one of its contexts).</summary>
    [JsonIgnore]
    public IEnumerable<int> ShardsWithData => Enumerable.Range(0, ShardCount).Where(j => ContextsIn(j) > 0);

    /// <summary>The row group (within its shard) that global context <paramref name="context"/> belongs to.</summary>
    public int RowGroupOf(long context) => (int)(context % ContextsPerShard / ContextsPerRowGroup);

    /// <summary>The shard global context <paramref name="context"/> belongs to.</summary>
    public int ShardOf(long context) => (int)(context / ContextsPerShard);

    /// <summary>File name of shard <paramref name="shard"/>: <c>shard-00000.parquet</c>.</summary>
    public static string ShardFileName(int shard) => $"shard-{shard:D5}.parquet";

    /// <summary>A short description for messages.</summary>
    public string Describe() => $"{ContextsPerShard} contexts a shard, {ContextsPerRowGroup} a row group, {Contexts} contexts";

    /// <summary>
    /// Plans shard and row-group sizes so a full shard is about <paramref name="shardMegabytes"/> MiB and a row group at most
    /// 16 MiB (both at least one context). Depends only on the data shape, never on the split, so all parts of a split
    /// harvest and the single-machine harvest agree.
    /// </summary>
    public static StoreLayout Plan(long contexts, int ctx, int d, ActivationDtype dtype, double shardMegabytes, int shardK = 1, int shardN = 1)
    {
        if (contexts <= 0) throw new InterpException("no contexts to harvest");
        if (shardMegabytes <= 0 || double.IsNaN(shardMegabytes)) throw new InterpException($"shard size {shardMegabytes} MB must be positive");
        CheckSplit(shardK, shardN);
        var contextBytes = ctx * ActivationSchema.BytesPerRow(d, dtype);
        var shardBytes = shardMegabytes * (1 << 20);
        var perRowGroup = Math.Max(1, Math.Min(RowGroupTargetBytes, (long)shardBytes) / contextBytes);
        var groups = Math.Max(1, (long)Math.Round(shardBytes / (perRowGroup * contextBytes)));
        return new StoreLayout(contexts, perRowGroup * groups, perRowGroup, shardK, shardN);
    }

    /// <summary>The split option ("Shard", a job's property name) by meaning, for <see cref="InvalidOptionException"/>s.</summary>
    public static string Meaning(string option) => option == "Shard" ? "part" : option;

    /// <summary>Checks a <c>--shard K/N</c> pair.</summary>
    public static void CheckSplit(int k, int n)
    {
        if (n < 1 || k < 1 || k > n) throw new InvalidOptionException(o => $"{o("Shard")} {k}/{n}: expected K/N with 1 ≤ K ≤ N", Meaning);
    }

    /// <summary>Parses <c>K/N</c> (e.g. <c>2/4</c>).</summary>
    public static (int K, int N) ParseSplit(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var k) || !int.TryParse(parts[1], out var n))
            throw new InvalidOptionException(o => $"{o("Shard")} {text}: expected K/N, e.g. 2/4", Meaning);
        CheckSplit(k, n);
        return (k, n);
    }

    private long CountSelected(long first, long end) => CountBelow(end) - CountBelow(first);

    // Contexts i in [0, x) with i % N == K - 1.
    private long CountBelow(long x) => x <= ShardK - 1 ? 0 : (x - ShardK) / ShardN + 1;
}
