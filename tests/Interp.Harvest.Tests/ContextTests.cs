using Interp.Core;
using Interp.Core.Store;
using Interp.Core.Tokenization;
using Interp.Model.Harvest;

namespace Interp.Harvest.Tests;

public class ContextTests
{
    [Fact]
    public void Corpus_files_are_joined_with_endoftext_and_cut_into_consecutive_windows()
    {
        var files = new[] { TestRepo.Corpus("tinyshakespeare.txt"), TestRepo.Corpus("moby-dick.txt") };
        var tokenizer = Gpt2Tokenizer.Default;
        var (stream, records) = ContextBuilder.Tokenize(files, tokenizer);
        var first = tokenizer.Encode(File.ReadAllText(files[0]));
        var second = tokenizer.Encode(File.ReadAllText(files[1]));
        Assert.Equal(first.Length + 1 + second.Length, stream.Length);
        Assert.Equal(first, stream[..first.Length]);
        Assert.Equal(Gpt2Tokenizer.EndOfTextId, stream[first.Length]);
        Assert.Equal(second, stream[(first.Length + 1)..]);
        Assert.Equal([first.Length, second.Length], records.Select(r => (int)r.Tokens));
        Assert.Equal(StoreAssert.Sha256(files[0]), records[0].Sha256);

        var contexts = ContextBuilder.Build(stream, records, 128, prependBos: false);
        Assert.Equal(stream.Length / 128, contexts.Count);
        var window = new int[128];
        contexts.Fill(contexts.Count - 1, window);
        Assert.Equal(stream[(int)((contexts.Count - 1) * 128)..(int)(contexts.Count * 128)], window);

        var withBos = ContextBuilder.Build(stream, records, 128, prependBos: true, maxTokens: 1000);
        Assert.Equal(8, withBos.Count);   // ceil(1000 / 128)
        withBos.Fill(3, window);
        Assert.Equal(Gpt2Tokenizer.EndOfTextId, window[0]);
        Assert.Equal(stream[(3 * 127)..(4 * 127)], window[1..]);
        Assert.Contains(ContextBuilder.Rule, withBos.Record.Rule);
    }

    [Fact]
    public void Too_short_a_corpus_or_bad_sizes_are_refused()
    {
        var ids = TestModels.RandomIds(300);
        Assert.Contains("not enough for one context", Assert.ThrowsAny<InterpException>(() => ContextBuilder.FromTokenIds(ids, 400)).Message);
        Assert.Contains("gives only 2", Assert.ThrowsAny<InterpException>(() => ContextBuilder.FromTokenIds(ids, 128, maxTokens: 1000)).Message);
        Assert.Contains("context length 1", Assert.ThrowsAny<InterpException>(() => ContextBuilder.FromTokenIds(ids, 1, prependBos: true)).Message);
        Assert.Contains("missing.txt", Assert.ThrowsAny<InterpException>(() => ContextBuilder.Tokenize(["missing.txt"], Gpt2Tokenizer.Default)).Message);
        Assert.ThrowsAny<InterpException>(() => StoreLayout.ParseSplit("3/2"));
        Assert.ThrowsAny<InterpException>(() => StoreLayout.ParseSplit("1-2"));
        Assert.Equal((2, 4), StoreLayout.ParseSplit("2/4"));
    }

    [Fact]
    public void Split_parts_partition_every_shard_and_agree_with_their_counts()
    {
        foreach (var (contexts, perShard, n) in new[] { (22L, 6L, 3), (100L, 10L, 7), (5L, 8L, 4), (64L, 16L, 1), (13L, 1L, 5) })
        {
            var single = new StoreLayout(contexts, perShard, perShard);
            for (var shard = 0; shard < single.ShardCount; shard++)
            {
                var union = new List<long>();
                for (var k = 1; k <= n; k++)
                {
                    var part = single with { ShardK = k, ShardN = n };
                    var mine = part.ContextsOf(shard).ToArray();
                    Assert.All(mine, c => Assert.Equal(k - 1, c % n));
                    Assert.Equal(mine.Length, part.ContextsIn(shard));
                    union.AddRange(mine);
                }
                Assert.Equal(single.ContextsOf(shard), union.Order());
            }
            Assert.Equal(contexts, Enumerable.Range(1, n).Sum(k => (single with { ShardK = k, ShardN = n }).SelectedContexts));
        }
    }

    [Fact]
    public void Planned_shards_are_near_the_target_size_and_independent_of_the_split()
    {
        var layout = StoreLayout.Plan(100_000, 128, 768, ActivationDtype.Float32, 128);
        var shardBytes = layout.ContextsPerShard * 128 * ActivationSchema.BytesPerRow(768, ActivationDtype.Float32);
        Assert.InRange(shardBytes, 100L << 20, 160L << 20);
        Assert.True(layout.ContextsPerRowGroup * 128 * ActivationSchema.BytesPerRow(768, ActivationDtype.Float32) <= StoreLayout.RowGroupTargetBytes);
        Assert.Equal(0, layout.ContextsPerShard % layout.ContextsPerRowGroup);
        var part = StoreLayout.Plan(100_000, 128, 768, ActivationDtype.Float32, 128, 2, 5);
        Assert.Equal(layout with { ShardK = 2, ShardN = 5 }, part);
        var tiny = StoreLayout.Plan(10, 128, 768, ActivationDtype.Float32, 0.001);
        Assert.Equal(1, tiny.ContextsPerShard);
    }
}
