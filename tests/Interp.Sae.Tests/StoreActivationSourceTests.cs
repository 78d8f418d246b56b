using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;

namespace Interp.Sae.Tests;

/// <summary>A small store harvested once from the fixture model: 40 contexts × 16 tokens at blocks.2.hook_resid_pre (d = 32), 4 shards.</summary>
public sealed class FixtureStore : IDisposable
{
    private readonly TempDir _dir = new();

    public FixtureStore()
    {
        var random = new Random(11);
        var ids = Enumerable.Range(0, 40 * 16 + 3).Select(_ => random.Next(1000)).ToArray();
        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        Harvester.Run(model, ContextBuilder.FromTokenIds(ids, 16), new HarvestOptions
        {
            Hooks = [Hook], OutDirectory = _dir.Path, BatchSize = 4, ContextsPerShard = 10, ContextsPerRowGroup = 5,
        });
        Folder = Path.Combine(_dir.Path, Hook.Name);
    }

    public static HookName Hook => HookName.ResidPre(2);

    public string Folder { get; }

    public const int Rows = 40 * 16;

    public void Dispose() => _dir.Dispose();
}

public sealed class StoreActivationSourceTests(FixtureStore store) : IClassFixture<FixtureStore>
{
    private static string Key(float[] batch, int row, int d) => string.Join(',', batch.AsSpan(row * d, d).ToArray());

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Skipping_batches_gives_exactly_the_rest_of_the_uninterrupted_stream_across_passes(bool inMemory)
    {
        using var source = StoreActivationSource.Open(store.Folder, inMemory: inMemory, shuffleBufferRows: 100);
        Assert.Equal(inMemory, source.InMemory);
        Assert.Equal(FixtureStore.Rows, source.Rows);
        Assert.Equal(32, source.D);
        Assert.Equal(FixtureStore.Rows / 96, source.BatchesPerPass(96));                  // 6 full batches a pass, 64 rows left out

        var straight = source.Batches(96, seed: 5).Take(20).ToArray();                     // over three passes
        foreach (var skip in new[] { 1, 6, 7, 13 })
        {
            var resumed = source.Batches(96, seed: 5, skipBatches: skip).Take(20 - skip).ToArray();
            for (var i = 0; i < resumed.Length; i++)
                Assert.True(straight[skip + i].AsSpan().SequenceEqual(resumed[i]), $"skip {skip}: batch {skip + i} differs");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Each_pass_visits_distinct_store_rows_in_a_new_order(bool inMemory)
    {
        using var source = StoreActivationSource.Open(store.Folder, inMemory: inMemory, shuffleBufferRows: 100);
        using var reader = ActivationStoreReader.Open(store.Folder);
        var all = reader.LoadAll();
        var storeRows = Enumerable.Range(0, FixtureStore.Rows).Select(r => Key(all, r, 32)).ToHashSet();

        var passes = source.Batches(64, seed: 1).Take(20).Chunk(10).ToArray();               // 640 rows = 10 batches a pass
        var orders = new List<string[]>();
        foreach (var pass in passes)
        {
            var rows = pass.SelectMany(b => Enumerable.Range(0, 64).Select(r => Key(b, r, 32))).ToArray();
            Assert.Equal(rows.Length, rows.Distinct().Count());                             // no row twice in a pass
            Assert.All(rows, r => Assert.Contains(r, storeRows));
            Assert.Equal(storeRows.Count, rows.Length);                                     // the whole store (640 = 10 × 64)
            orders.Add(rows);
        }
        Assert.False(orders[0].SequenceEqual(orders[1]), "the second pass repeats the first pass's order");
        Assert.False(orders[0].SequenceEqual(storeRows), "the first pass is in store order");

        var otherSeed = source.Batches(64, seed: 2).First();
        Assert.False(otherSeed.AsSpan().SequenceEqual(passes[0][0]));
    }

    [Fact]
    public void A_store_over_the_load_limit_streams_by_default_so_memory_does_not_grow_with_the_store()
    {
        using var reader = ActivationStoreReader.Open(store.Folder);
        using (var small = new StoreActivationSource(reader))
            Assert.True(small.InMemory, "a store far under the limit is loaded");
        using var large = new StoreActivationSource(reader, autoLoadLimitBytes: reader.Float32Bytes - 1);
        Assert.False(large.InMemory, "a store over the limit streams");
        using var asked = new StoreActivationSource(reader, inMemory: true, autoLoadLimitBytes: reader.Float32Bytes - 1);
        Assert.True(asked.InMemory, "asking for memory still loads it");
        Assert.Equal(2L << 30, StoreActivationSource.AutoLoadLimitBytes);
    }

    [Fact]
    public void A_store_smaller_than_one_batch_is_refused_in_one_line()
    {
        using var source = StoreActivationSource.Open(store.Folder);
        var e = Assert.Throws<InterpException>(() => source.Batches(FixtureStore.Rows + 1, seed: 0).First());
        Assert.Contains("fewer than one batch", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Training_on_a_streamed_store_interrupted_and_resumed_ends_where_an_uninterrupted_run_ends()
    {
        using var dir = new TempDir();
        SaeTrainingOptions Options(string name) => new()
        {
            OutDirectory = dir[name], Architecture = SaeArchitecture.TopK, DSae = 64, K = 4, BatchSize = 64,
            TrainingTokens = 64 * 25, LearningRate = 3e-3, WarmupSteps = 3, InitSamples = 128, CheckpointEvery = 100, LogEvery = 1,
            Device = "cpu", HookName = FixtureStore.Hook.Name,
        };
        float[] straight;
        using (var source = StoreActivationSource.Open(store.Folder, inMemory: false, shuffleBufferRows: 100))
        using (var result = new SaeTrainer(Options("straight"), source).Run())
            straight = T.ToArray(result.Sae.DecoderWeight).Concat(T.ToArray(result.Sae.EncoderBias)).ToArray();

        using var cancel = new CancellationTokenSource();
        using (var source = StoreActivationSource.Open(store.Folder, inMemory: false, shuffleBufferRows: 100))
            Assert.Throws<OperationCanceledException>(() =>
                new SaeTrainer(Options("interrupted"), source, p => { if (p.Step == 13) cancel.Cancel(); }).Run(cancel.Token));
        using var again = StoreActivationSource.Open(store.Folder, inMemory: false, shuffleBufferRows: 100);
        using var resumed = new SaeTrainer(Options("interrupted"), again).Run();
        Assert.Equal(25, resumed.Steps);
        var continued = T.ToArray(resumed.Sae.DecoderWeight).Concat(T.ToArray(resumed.Sae.EncoderBias)).ToArray();
        var worst = straight.Zip(continued, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-6f, $"resumed run differs from the uninterrupted one by {worst}");
    }
}
