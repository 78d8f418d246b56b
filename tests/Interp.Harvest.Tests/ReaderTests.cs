using Interp.Core;
using Interp.Core.Store;

namespace Interp.Harvest.Tests;

public class ReaderTests
{
    /// <summary>
    /// A store written directly (no model): 37 contexts of 8 tokens, d = 5; a0000 holds the row's global index, so
    /// every row can be recognised after shuffling.
    /// </summary>
    private static ActivationManifest SyntheticStore(string folder, long contexts = 37, int ctx = 8, int d = 5)
    {
        var layout = new StoreLayout(contexts, ContextsPerShard: 10, ContextsPerRowGroup: 5);
        var plan = new ActivationManifest
        {
            Model = new ModelIdentity("synthetic", new string('0', 64), new System.Text.Json.Nodes.JsonObject { ["n_layer"] = 1 }),
            Hook = "blocks.0.hook_resid_pre", D = d, Dtype = "float32", Ctx = ctx, PrependBos = false,
            Corpus = new CorpusRecord([new CorpusFile("synthetic", new string('1', 64), contexts * ctx)], contexts * ctx, "synthetic"),
            Layout = layout, TotalTokens = contexts * ctx,
        };
        using var writer = ActivationStoreWriter.Open(folder, plan, overwrite: false);
        foreach (var shard in layout.ShardsWithData)
        {
            writer.BeginShard(shard);
            foreach (var context in layout.ContextsOf(shard))
            {
                var tokens = Enumerable.Range(0, ctx).Select(p => (int)(context * 100 + p)).ToArray();
                var values = new float[ctx * d];
                for (var p = 0; p < ctx; p++)
                    for (var j = 0; j < d; j++) values[p * d + j] = j == 0 ? context * ctx + p : (float)Math.Sin(context * 31 + p * 7 + j);
                writer.Append([context], tokens, values);
            }
            writer.EndShard();
        }
        return writer.Manifest;
    }

    private static float[] RowIds(IEnumerable<float[]> batches, int d) => batches.SelectMany(b => Enumerable.Range(0, b.Length / d).Select(r => b[r * d])).ToArray();

    [Fact]
    public void Shuffled_batches_are_the_same_for_a_seed_and_cover_every_row_once_per_pass()
    {
        using var dir = new TempDir();
        var manifest = SyntheticStore(dir.Path);
        using var store = ActivationStoreReader.Open(dir.Path);
        Assert.True(manifest.Complete);
        Assert.Equal(37 * 8, store.Rows);

        var first = store.Batches(32, shuffle: true, seed: 5, shuffleBufferRows: 64).ToArray();
        var again = store.Batches(32, shuffle: true, seed: 5, shuffleBufferRows: 64).ToArray();
        var other = store.Batches(32, shuffle: true, seed: 6, shuffleBufferRows: 64).ToArray();
        Assert.Equal(first.Length, again.Length);
        for (var i = 0; i < first.Length; i++) Assert.Equal(first[i], again[i]);
        Assert.NotEqual(RowIds(first, 5), RowIds(other, 5));

        var ids = RowIds(first, 5);
        Assert.Equal(Enumerable.Range(0, 37 * 8).Select(i => (float)i), ids.Order());
        Assert.NotEqual(Enumerable.Range(0, 37 * 8).Select(i => (float)i), ids);
        Assert.All(first[..^1], b => Assert.Equal(32 * 5, b.Length));
        Assert.Equal(37 * 8 % 32 * 5, first[^1].Length);
        Assert.Equal(37 * 8 / 32, store.Batches(32, shuffle: true, seed: 5, dropLast: true).Count());
        Assert.Equal(RowIds(other, 5).Order(), ids.Order());

        // Rows keep their vectors through the shuffle.
        var all = store.LoadAll();
        foreach (var batch in first)
            for (var r = 0; r < batch.Length / 5; r++)
                Assert.Equal(all.AsSpan((int)batch[r * 5] * 5, 5).ToArray(), batch.AsSpan(r * 5, 5).ToArray());
    }

    [Fact]
    public void In_order_batches_LoadAll_and_LoadIndex_agree()
    {
        using var dir = new TempDir();
        SyntheticStore(dir.Path);
        using var store = ActivationStoreReader.Open(dir.Path);
        var all = store.LoadAll();
        Assert.Equal(all, store.Batches(50).SelectMany(b => b).ToArray());
        Assert.Equal(Enumerable.Range(0, 37 * 8).Select(i => (float)i), RowIds(store.Batches(7), 5));
        var (context, position, token) = store.LoadIndex();
        for (var i = 0; i < context.Length; i++)
        {
            Assert.Equal(i / 8, context[i]);
            Assert.Equal(i % 8, position[i]);
            Assert.Equal(context[i] * 100 + position[i], token[i]);
        }
        Assert.True(store.FitsInMemory);
    }

    [Fact]
    public void A_truncated_altered_or_missing_shard_is_named_with_the_reason()
    {
        using var dir = new TempDir();
        SyntheticStore(dir.Path);
        var shard1 = Path.Combine(dir.Path, "shard-00001.parquet");
        var shard2 = Path.Combine(dir.Path, "shard-00002.parquet");
        var shard3 = Path.Combine(dir.Path, "shard-00003.parquet");
        var bytes = File.ReadAllBytes(shard1);
        File.WriteAllBytes(shard1, bytes[..(bytes.Length - 50)]);
        var altered = File.ReadAllBytes(shard2);
        altered[altered.Length / 2] ^= 0x40;
        File.WriteAllBytes(shard2, altered);
        File.Delete(shard3);

        using var store = ActivationStoreReader.Open(dir.Path);
        var truncated = Assert.Throws<InterpException>(() => store.LoadAll());
        Assert.StartsWith(shard1, truncated.Message);
        Assert.Contains($"truncated ({bytes.Length - 50:N0} of {bytes.Length:N0} bytes)", truncated.Message);
        var problems = store.Verify();
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith(shard1) && p.Contains("truncated"));
        Assert.Contains(problems, p => p.StartsWith(shard2) && p.Contains("altered (sha256"));
        Assert.Contains(problems, p => p.StartsWith(shard3) && p.Contains("missing"));
        Assert.All(problems, p => Assert.DoesNotContain('\n', p));
    }

    [Fact]
    public void A_damaged_file_that_still_matches_nothing_is_reported_by_the_shard_reader()
    {
        using var dir = new TempDir();
        SyntheticStore(dir.Path);
        var shard = Path.Combine(dir.Path, "shard-00000.parquet");
        var bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..(bytes.Length - 8)]);
        Assert.Contains("truncated (no PAR1 magic at the end", Assert.Throws<InterpException>(() => ParquetShardFile.Open(shard)).Message);
        File.WriteAllText(shard, "not parquet at all");
        Assert.Contains("not a Parquet file", Assert.Throws<InterpException>(() => ParquetShardFile.Open(shard)).Message);
    }

    [Fact]
    public void An_unfinished_store_is_refused_unless_asked_for()
    {
        using var dir = new TempDir();
        var manifest = SyntheticStore(dir.Path);
        (manifest with { Shards = manifest.Shards.Take(2).ToArray(), Complete = false }).Save(dir.Path);
        var e = Assert.Throws<InterpException>(() => ActivationStoreReader.Open(dir.Path));
        Assert.Contains("unfinished (160 of 296 tokens)", e.Message);
        using var partial = ActivationStoreReader.Open(dir.Path, allowIncomplete: true);
        Assert.Equal(160, partial.LoadAll().Length / 5);
    }

    [Fact]
    public void Shards_are_deterministic_bytes_of_their_rows()
    {
        using var dir = new TempDir();
        SyntheticStore(Path.Combine(dir.Path, "a"));
        SyntheticStore(Path.Combine(dir.Path, "b"));
        StoreAssert.SameStore(Path.Combine(dir.Path, "a"), Path.Combine(dir.Path, "b"));
    }
}
