using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;
using Parquet;
using static TorchSharp.torch;

namespace Interp.Harvest.Tests;

public class HarvestTests
{
    [Fact]
    public void Harvested_values_equal_RunWithCache_of_the_same_contexts_at_two_hooks()
    {
        using var model = TestModels.Fixture();
        var contexts = FixtureHarvest.Contexts();
        using var dir = new TempDir();
        var options = FixtureHarvest.Options(dir.Path);
        var result = Harvester.Run(model, contexts, options);

        Assert.Equal(contexts.Count * contexts.Ctx, result.TokensThisRun);
        var layout = result.Manifests[0].Layout;
        foreach (var hook in FixtureHarvest.TwoHooks)
        {
            using var store = ActivationStoreReader.Open(dir.Path, hook.Name);
            Assert.True(store.Manifest.Complete);
            Assert.Equal(contexts.Tokens, store.Rows);
            Assert.Equal(contexts.Tokens, store.Manifest.TotalTokens);
            Assert.Equal(store.Rows, store.Manifest.Shards.Sum(s => s.Rows));
            Assert.Equal(layout.ShardCount, store.Manifest.Shards.Count);
            var actual = store.LoadAll();
            var (context, position, token) = store.LoadIndex();

            // The same batches the harvester ran: each shard's contexts in chunks of the batch size.
            var expected = new float[actual.Length];
            var tokens = new int[contexts.Ctx];
            for (var shard = 0; shard < layout.ShardCount; shard++)
                foreach (var chunk in layout.ContextsOf(shard).Chunk(options.BatchSize))
                {
                    var ids = new long[chunk.Length * contexts.Ctx];
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        contexts.Fill(chunk[i], tokens);
                        for (var p = 0; p < contexts.Ctx; p++) ids[i * contexts.Ctx + p] = tokens[p];
                    }
                    using var input = tensor(ids, [chunk.Length, contexts.Ctx]);
                    var (_, cache) = model.RunWithCache(input, [hook], stopAtLastHook: true);
                    using (cache)
                    {
                        var values = cache[hook].contiguous().data<float>().ToArray();
                        values.CopyTo(expected, chunk[0] * contexts.Ctx * store.D);
                    }
                }
            Assert.Equal(expected, actual);

            for (var row = 0; row < store.Rows; row++)
            {
                Assert.Equal(row / contexts.Ctx, context[row]);
                Assert.Equal(row % contexts.Ctx, position[row]);
                contexts.Fill(context[row], tokens);
                Assert.Equal(tokens[position[row]], token[row]);
            }
        }
        Assert.Equal(32, ActivationManifest.Load(Path.Combine(dir.Path, HookName.ResidPre(2).Name)).D);
        Assert.Equal(128, ActivationManifest.Load(Path.Combine(dir.Path, HookName.MlpPost(1).Name)).D);
    }

    [Fact]
    public void DuckDB_reads_the_shards_with_the_count_and_mean_computed_from_the_data()
    {
        using var model = TestModels.Fixture();
        using var dir = new TempDir();
        Harvester.Run(model, FixtureHarvest.Contexts(), FixtureHarvest.Options(dir["f32"]));
        Harvester.Run(model, FixtureHarvest.Contexts(), FixtureHarvest.Options(dir["f16"], dtype: ActivationDtype.Float16));
        foreach (var root in new[] { dir["f32"], dir["f16"] })
            foreach (var folder in ActivationStoreReader.HookFolders(root))
            {
                using var store = ActivationStoreReader.Open(folder);
                var all = store.LoadAll();
                double sum = 0;
                for (long row = 0; row < store.Rows; row++) sum += all[row * store.D];

                using var connection = new DuckDBConnection("Data Source=:memory:");
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT count(*), avg(a0000), typeof(any_value(a0001)), max(context) FROM '{folder}/*.parquet'";
                using var reader = command.ExecuteReader();
                Assert.True(reader.Read());
                Assert.Equal(store.Rows, Convert.ToInt64(reader.GetValue(0)));
                Assert.Equal(sum / store.Rows, reader.GetDouble(1), 1e-9);
                Assert.Equal("FLOAT", reader.GetString(2));
                Assert.Equal(store.Manifest.Layout.Contexts - 1, Convert.ToInt64(reader.GetValue(3)));
            }
    }

    [Fact]
    public async Task Parquet_Net_reads_a_float32_shard_as_the_store_reader_does()
    {
        using var model = TestModels.Fixture();
        using var dir = new TempDir();
        Harvester.Run(model, FixtureHarvest.Contexts(), FixtureHarvest.Options(dir.Path));
        var folder = Path.Combine(dir.Path, HookName.ResidPre(2).Name);
        using var store = ActivationStoreReader.Open(folder);
        var shard = store.Shard(1);
        var ours = new ActivationRows();
        shard.ReadRowGroup(1, ours);

        await using var stream = File.OpenRead(shard.Path);
        await using var parquet = await ParquetReader.CreateAsync(stream);
        var fields = parquet.Schema.GetDataFields();
        Assert.Equal(3 + store.D, fields.Length);
        Assert.Equal(["context", "position", "token", "a0000"], fields.Take(4).Select(f => f.Name));
        using var group = parquet.OpenRowGroupReader(1);
        Assert.Equal(ours.Rows, group.RowCount);
        var context = new long[ours.Rows];
        await group.ReadAsync<long>(fields[0], context);
        Assert.Equal(ours.Context.Take(ours.Rows), context);
        for (var j = 0; j < store.D; j += 7)
        {
            var column = new float[ours.Rows];
            await group.ReadAsync<float>(fields[3 + j], column);
            Assert.Equal(Enumerable.Range(0, ours.Rows).Select(r => ours.Activations[r * store.D + j]), column);
        }
    }

    [Fact]
    public void A_float16_store_halves_the_activation_bytes_and_reads_back_as_the_rounded_float32_values()
    {
        using var model = TestModels.Fixture();
        using var dir = new TempDir();
        HookName[] hooks = [HookName.MlpPost(1)];   // d = 128
        // Planned layout (one shard, one row group) so Parquet's per-column framing is small next to the values.
        var contexts = FixtureHarvest.Contexts(contexts: 200);
        Harvester.Run(model, contexts, FixtureHarvest.Options(dir["f32"], hooks) with { ContextsPerShard = null, ContextsPerRowGroup = null });
        Harvester.Run(model, contexts, FixtureHarvest.Options(dir["f16"], hooks, dtype: ActivationDtype.Float16) with { ContextsPerShard = null, ContextsPerRowGroup = null });
        using var full = ActivationStoreReader.Open(dir["f32"]);
        using var half = ActivationStoreReader.Open(dir["f16"]);
        Assert.Equal("float16", half.Manifest.Dtype);

        long Bytes(ActivationStoreReader s) => s.Manifest.Shards.Sum(x => x.Bytes);
        var indexBytes = full.Rows * ActivationSchema.IndexBytesPerRow;
        var ratio = (double)(Bytes(half) - indexBytes) / (Bytes(full) - indexBytes);
        Assert.InRange(ratio, 0.49, 0.51);
        Assert.True(Bytes(half) < 0.52 * Bytes(full), $"float16 store {Bytes(half)} bytes vs float32 {Bytes(full)}");

        var exact = full.LoadAll();
        var rounded = half.LoadAll();
        Assert.Equal(exact.Length, rounded.Length);
        for (var i = 0; i < exact.Length; i++)
        {
            Assert.Equal((float)(Half)exact[i], rounded[i]);
            Assert.True(Math.Abs(exact[i] - rounded[i]) <= Math.Max(Math.Abs(exact[i]) * 0.0005, 6.2e-5), $"value {i}: {exact[i]} vs {rounded[i]}");
        }
    }

    [Fact]
    public void Split_harvests_merged_are_byte_identical_to_a_single_harvest()
    {
        using var model = TestModels.Fixture();
        using var dir = new TempDir();
        var contexts = FixtureHarvest.Contexts();
        Harvester.Run(model, contexts, FixtureHarvest.Options(dir["single"]));
        for (var k = 1; k <= 3; k++) Harvester.Run(model, contexts, FixtureHarvest.Options(dir[$"part{k}"], k: k, n: 3));

        // Each part holds exactly the contexts i with i % 3 == k - 1, with their global index.
        for (var k = 1; k <= 3; k++)
        {
            using var part = ActivationStoreReader.Open(dir[$"part{k}"], HookName.ResidPre(2).Name);
            var (context, _, _) = part.LoadIndex();
            Assert.All(context, c => Assert.Equal(k - 1, c % 3));
            Assert.Equal(Enumerable.Range(0, (int)contexts.Count).Count(c => c % 3 == k - 1) * contexts.Ctx, context.Length);
        }

        ActivationStoreMerger.Merge([dir["part3"], dir["part1"], dir["part2"]], dir["merged"], overwrite: false);
        StoreAssert.SameStore(dir["single"], dir["merged"]);

        var missing = Assert.ThrowsAny<InterpException>(() => ActivationStoreMerger.Merge([dir["part1"], dir["part3"]], dir["merged2"], overwrite: false));
        Assert.Contains("2/3", missing.Message);
        var twice = Assert.ThrowsAny<InterpException>(() => ActivationStoreMerger.Merge([dir["part1"], dir["part1"], dir["part2"]], dir["merged3"], overwrite: false));
        Assert.Contains("given twice", twice.Message);
        var finished = Assert.ThrowsAny<InterpException>(() => ActivationStoreMerger.Merge([dir["part1"], dir["part2"], dir["part3"]], dir["merged"], overwrite: false));
        Assert.Contains("already complete", finished.Message);
    }

    [Fact]
    public void A_harvest_cancelled_at_any_batch_resumes_to_exactly_the_clean_store()
    {
        using var model = TestModels.Fixture();
        using var dir = new TempDir();
        var contexts = FixtureHarvest.Contexts();
        Harvester.Run(model, contexts, FixtureHarvest.Options(dir["clean"]));
        var sawTemporaryShard = false;
        foreach (var stopAfter in new[] { 1, 2, 3, 5, 7 })   // 8 batches in all
        {
            var root = dir[$"cancel{stopAfter}"];
            using var cancel = new CancellationTokenSource();
            var batches = 0;
            Assert.ThrowsAny<OperationCanceledException>(() =>
                Harvester.Run(model, contexts, FixtureHarvest.Options(root), _ => { if (++batches == stopAfter) cancel.Cancel(); }, cancel.Token));
            var manifest = ActivationManifest.Load(Path.Combine(root, HookName.ResidPre(2).Name));
            Assert.False(manifest.Complete);
            sawTemporaryShard |= Directory.EnumerateFiles(root, "*.tmp", SearchOption.AllDirectories).Any();

            var resumed = Harvester.Run(model, contexts, FixtureHarvest.Options(root));
            Assert.True(resumed.TokensThisRun < contexts.Tokens || manifest.Shards.Count == 0);
            StoreAssert.SameStore(dir["clean"], root);
        }
        Assert.True(sawTemporaryShard, "no cancellation left a shard half-written");
    }

    [Fact]
    public void A_kill_between_renaming_a_shard_and_listing_it_resumes_to_exactly_the_clean_store()
    {
        using var model = TestModels.Fixture();
        using var dir = new TempDir();
        var contexts = FixtureHarvest.Contexts();
        Harvester.Run(model, contexts, FixtureHarvest.Options(dir["clean"]));
        Harvester.Run(model, contexts, FixtureHarvest.Options(dir["crashed"]));
        foreach (var folder in ActivationStoreReader.HookFolders(dir["crashed"]))
        {
            // The last two shards' files are there but the manifest never listed them; one more is half-written.
            var manifest = ActivationManifest.Load(folder);
            (manifest with { Shards = manifest.Shards.Take(manifest.Shards.Count - 2).ToArray(), Complete = false }).Save(folder);
            File.WriteAllBytes(Path.Combine(folder, "shard-00002.parquet.tmp"), [1, 2, 3]);
            var damaged = Path.Combine(folder, manifest.Shards[^1].File);
            File.WriteAllBytes(damaged, File.ReadAllBytes(damaged)[..100]);
        }
        var resumed = Harvester.Run(model, contexts, FixtureHarvest.Options(dir["crashed"]));
        Assert.Equal(contexts.Tokens - 12 * contexts.Ctx, resumed.TokensThisRun);
        StoreAssert.SameStore(dir["clean"], dir["crashed"]);
    }

    [Fact]
    public void A_finished_store_is_never_overwritten_without_overwrite()
    {
        using var model = TestModels.Fixture();
        using var dir = new TempDir();
        var contexts = FixtureHarvest.Contexts();
        Harvester.Run(model, contexts, FixtureHarvest.Options(dir["a"]));
        var before = StoreAssert.Sha256(Path.Combine(dir["a"], HookName.ResidPre(2).Name, "shard-00000.parquet"));
        var e = Assert.ThrowsAny<InterpException>(() => Harvester.Run(model, contexts, FixtureHarvest.Options(dir["a"])));
        Assert.Contains(ActivationManifest.FileName, e.Message);
        Assert.Contains("already complete", e.Message);
        Assert.Contains("pass the overwrite option", e.Message);                       // by meaning; harvest names --overwrite
        Assert.Equal(before, StoreAssert.Sha256(Path.Combine(dir["a"], HookName.ResidPre(2).Name, "shard-00000.parquet")));

        Harvester.Run(model, contexts, FixtureHarvest.Options(dir["a"], overwrite: true));
        Harvester.Run(model, contexts, FixtureHarvest.Options(dir["b"]));
        StoreAssert.SameStore(dir["b"], dir["a"]);
    }

    [Fact]
    public void A_resume_with_another_model_hook_ctx_or_corpus_is_refused_with_one_line()
    {
        using var model = TestModels.Fixture();
        using var dir = new TempDir();
        var contexts = FixtureHarvest.Contexts();
        HookName[] one = [HookName.ResidPre(2)];
        using (var cancel = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() =>
                Harvester.Run(model, contexts, FixtureHarvest.Options(dir.Path, one), _ => cancel.Cancel(), cancel.Token));
        var manifestPath = Path.Combine(dir.Path, one[0].Name, ActivationManifest.FileName);

        manual_seed(99);
        using var other = new Gpt2(model.Config);
        other.eval();
        var otherModel = Assert.ThrowsAny<InterpException>(() => Harvester.Run(other, contexts, FixtureHarvest.Options(dir.Path, one)));
        Assert.StartsWith(manifestPath, otherModel.Message);
        Assert.Contains("model weights sha256", otherModel.Message);

        var otherCtx = Assert.ThrowsAny<InterpException>(() => Harvester.Run(model, FixtureHarvest.Contexts(ctx: 8), FixtureHarvest.Options(dir.Path, one)));
        Assert.Contains("ctx 16 (this run: 8)", otherCtx.Message);

        var otherCorpus = ContextBuilder.FromTokenIds(TestModels.RandomIds(22 * 16 + 5, seed: 8), 16);
        Assert.Contains("corpus", Assert.ThrowsAny<InterpException>(() => Harvester.Run(model, otherCorpus, FixtureHarvest.Options(dir.Path, one))).Message);

        var otherSplit = Assert.ThrowsAny<InterpException>(() => Harvester.Run(model, contexts, FixtureHarvest.Options(dir.Path, one, k: 1, n: 2)));
        Assert.Contains("part 1/1 (this run: 1/2)", otherSplit.Message);                  // by meaning; a front end names its flag
        Assert.Contains("--shard 1/1 (this run: 1/2)", Assert.IsType<InvalidOptionException>(otherSplit).MessageWith(n => n == "Shard" ? "--shard" : null));

        // A hook folder holding another hook's manifest (copied or renamed by hand).
        Directory.Move(Path.Combine(dir.Path, one[0].Name), Path.Combine(dir.Path, HookName.ResidPre(3).Name));
        var otherHook = Assert.ThrowsAny<InterpException>(() => Harvester.Run(model, contexts, FixtureHarvest.Options(dir.Path, [HookName.ResidPre(3)])));
        Assert.Contains("hook blocks.2.hook_resid_pre (this run: blocks.3.hook_resid_pre)", otherHook.Message);
        Assert.DoesNotContain('\n', otherHook.Message);

        var foreign = Path.Combine(dir.Path, "foreign", one[0].Name);
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "mine");
        Assert.Contains("not empty", Assert.ThrowsAny<InterpException>(() => Harvester.Run(model, contexts, FixtureHarvest.Options(Path.Combine(dir.Path, "foreign"), one))).Message);
    }

    [Fact]
    public void A_store_records_its_weight_processing_refuses_a_resume_with_another_and_reads_none_from_an_older_manifest()
    {
        using var plain = TestModels.Fixture();
        using var processed = Gpt2.Load(TestRepo.TinyRandomGpt2, processing: TlProcessing.TransformerLensDefaults);
        using var dir = new TempDir();
        var contexts = FixtureHarvest.Contexts();
        HookName[] one = [HookName.ResidPre(2)];
        using (var cancel = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() =>
                Harvester.Run(processed, contexts, FixtureHarvest.Options(dir.Path, one), _ => cancel.Cancel(), cancel.Token));
        var manifestPath = Path.Combine(dir.Path, one[0].Name, ActivationManifest.FileName);
        Assert.Equal(TlProcessing.TransformerLensDefaults, ActivationManifest.Load(manifestPath).Processing);

        var other = Assert.ThrowsAny<InterpException>(() => Harvester.Run(plain, contexts, FixtureHarvest.Options(dir.Path, one)));
        Assert.StartsWith(manifestPath, other.Message);
        Assert.Contains("TransformerLens processing fold_ln, center_writing_weights, center_unembed, fold_value_biases (this run: none)", other.Message);

        // Stores written before the processing was recorded ran the checkpoint's weights.
        var older = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        older.Remove("tl_processing");
        File.WriteAllText(manifestPath, older.ToJsonString());
        Assert.Equal(TlProcessing.None, ActivationManifest.Load(manifestPath).Processing);
    }

    [Fact]
    public void Bad_contexts_and_hooks_are_refused_before_anything_is_written()
    {
        using var model = TestModels.Fixture();
        using var dir = new TempDir();
        var bos = FixtureHarvest.Contexts(bos: true);
        var gpt2Bos = ContextBuilder.FromTokenIds(TestModels.RandomIds(400), 16, prependBos: true);
        Assert.Contains("vocab_size=1000", Assert.ThrowsAny<InterpException>(() => Harvester.Run(model, gpt2Bos, FixtureHarvest.Options(dir.Path))).Message);
        Assert.Contains("not one vector per token",
            Assert.ThrowsAny<InterpException>(() => Harvester.Run(model, bos, FixtureHarvest.Options(dir.Path, [HookName.Pattern(0)]))).Message);
        Assert.Contains("n_positions", Assert.ThrowsAny<InterpException>(() =>
            Harvester.Run(model, ContextBuilder.FromTokenIds(TestModels.RandomIds(2000), 600), FixtureHarvest.Options(dir.Path))).Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));

        // With a BOS id the model knows, position 0 of every context is that BOS.
        Harvester.Run(model, bos, FixtureHarvest.Options(dir.Path));
        using var store = ActivationStoreReader.Open(dir.Path, HookName.ResidPre(2).Name);
        var (_, position, token) = store.LoadIndex();
        Assert.All(Enumerable.Range(0, token.Length).Where(i => position[i] == 0), i => Assert.Equal(98, token[i]));
        Assert.True(store.Manifest.PrependBos);
        Assert.Equal(98, store.Manifest.BosTokenId);
    }
}
