using System.Diagnostics;
using Interp.Core.Hooks;
using Interp.Core.Store;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Harvest;

/// <summary>One <c>interp bench harvest</c> measurement (all numbers from the same run, same contexts, same batches).</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Hooks">The hooks harvested.</param>
/// <param name="D">Total stored width (sum over hooks).</param>
/// <param name="Dtype">Storage type.</param>
/// <param name="Batch">Contexts per forward pass.</param>
/// <param name="Ctx">Tokens per context.</param>
/// <param name="Tokens">Tokens per round.</param>
/// <param name="ForwardTokensPerSecond">Model only, up to the deepest hook (best round).</param>
/// <param name="HarvestTokensPerSecond">Model plus storage into Parquet shards, checksums and manifests (best round).</param>
/// <param name="StoreBytes">Bytes on disk of one round's store.</param>
/// <param name="ReadFirstTokensPerSecond">Reader, shuffled batches, first pass (opens and SHA-256-checks every shard).</param>
/// <param name="ReadTokensPerSecond">Reader, shuffled batches, a later pass.</param>
/// <param name="ReadInOrderTokensPerSecond">Reader, batches in store order.</param>
public sealed record HarvestBenchmarkResult(
    string Model, string Hooks, int D, string Dtype, int Batch, int Ctx, long Tokens, double ForwardTokensPerSecond,
    double HarvestTokensPerSecond, long StoreBytes, double ReadFirstTokensPerSecond, double ReadTokensPerSecond, double ReadInOrderTokensPerSecond)
{
    /// <summary>1 − harvest / forward: the share of throughput lost to storage.</summary>
    public double StorageOverhead => 1 - HarvestTokensPerSecond / ForwardTokensPerSecond;

    /// <summary>Reader output rate in MB/s of float32 activations (shuffled, later pass).</summary>
    public double ReadMegabytesPerSecond => ReadTokensPerSecond * D * sizeof(float) / 1e6;

    /// <summary>Reader output rate in MB/s in store order.</summary>
    public double ReadInOrderMegabytesPerSecond => ReadInOrderTokensPerSecond * D * sizeof(float) / 1e6;
}

/// <summary>
/// Measures in one run: forward-only throughput to the deepest hook, harvest throughput with storage (the same
/// contexts and batches), their ratio as storage overhead, and the reader's throughput over the harvested store.
/// Rounds alternate forward and harvest so both see the same machine state; each keeps its best round.
/// </summary>
public static class HarvestBenchmark
{
    /// <summary>Runs the benchmark; <paramref name="tokens"/> null picks about <paramref name="secondsPerRound"/> of forward work.</summary>
    public static HarvestBenchmarkResult Run(string name, Gpt2 model, IReadOnlyList<HookName> hooks, int batch, int ctx, long? tokens,
        ActivationDtype dtype, int rounds = 3, double secondsPerRound = 3, string? workDirectory = null, Action<string>? log = null)
    {
        NativeMemory.KeepLargeBlocks();
        var stopAt = model.StopAfter(hooks);
        var perBatch = (long)batch * ctx;
        var warmUp = RandomContexts(model, ctx, batch * 3, 0);
        var rate = Enumerable.Range(0, 3).Max(_ => warmUp.Tokens / ForwardSeconds(model, warmUp, batch, stopAt));
        var total = tokens ?? Math.Clamp((long)(rate * secondsPerRound), 32L * perBatch, 50_000_000L);
        var contexts = RandomContexts(model, ctx, (int)((total + ctx - 1) / ctx), seed: 1);
        log?.Invoke($"{name}: {contexts.Tokens:N0} tokens a round ({contexts.Count} contexts of {ctx}, batch {batch}), {rounds} rounds");

        var root = workDirectory ?? Directory.CreateTempSubdirectory("interp-bench-harvest-").FullName;
        var options = new HarvestOptions { Hooks = hooks, OutDirectory = root, BatchSize = batch, Dtype = dtype, Overwrite = true };
        var (bestForward, bestHarvest) = (0.0, 0.0);
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                var forward = contexts.Tokens / ForwardSeconds(model, contexts, batch, stopAt);
                var harvest = Harvester.Run(model, contexts, options).TokensPerSecond;
                (bestForward, bestHarvest) = (Math.Max(bestForward, forward), Math.Max(bestHarvest, harvest));
                log?.Invoke($"  round {round + 1}: forward {forward:N0} tokens/s, harvest {harvest:N0} tokens/s");
            }
            var storeBytes = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            // Reader over the first hook's store, as an SAE trainer reads it: shuffled batches of 4096 into a reused
            // array. The first pass opens (and SHA-256-checks) every shard; later passes reuse the open reader.
            using var reader = ActivationStoreReader.Open(Path.Combine(root, hooks[0].Name));
            var first = ReadSeconds(reader, shuffle: true);
            var warm = Math.Min(ReadSeconds(reader, shuffle: true), ReadSeconds(reader, shuffle: true));
            var inOrder = Math.Min(ReadSeconds(reader, shuffle: false), ReadSeconds(reader, shuffle: false));
            var readWidth = model.Config.WidthOf(hooks[0]);
            return new HarvestBenchmarkResult(name, string.Join(", ", hooks), readWidth, ActivationSchema.Name(dtype), batch, ctx, contexts.Tokens,
                bestForward, bestHarvest, storeBytes, contexts.Tokens / first, contexts.Tokens / warm, contexts.Tokens / inOrder);
        }
        finally
        {
            if (workDirectory is null) Directory.Delete(root, recursive: true);
        }
    }

    private static ContextSet RandomContexts(Gpt2 model, int ctx, int count, int seed)
    {
        var random = new Random(seed);
        var ids = new int[count * ctx];
        for (var i = 0; i < ids.Length; i++) ids[i] = random.Next(model.Config.VocabSize);
        return ContextBuilder.FromTokenIds(ids, ctx, name: $"(random ids, seed {seed})");
    }

    // The harvest's forward work without storage: same batches, same tensor building, same stop layer.
    private static double ForwardSeconds(Gpt2 model, ContextSet contexts, int batch, int stopAt)
    {
        using var noGrad = no_grad();
        var clock = Stopwatch.StartNew();
        for (long first = 0; first < contexts.Count; first += batch)
        {
            var n = (int)Math.Min(batch, contexts.Count - first);
            var tokens = new int[n * contexts.Ctx];
            for (var i = 0; i < n; i++) contexts.Fill(first + i, tokens.AsSpan(i * contexts.Ctx, contexts.Ctx));
            using var scope = NewDisposeScope();
            using var input = tensor(Array.ConvertAll(tokens, t => (long)t), [n, contexts.Ctx], ScalarType.Int64).to(model.Device);
            model.Run(input, stopAt);
            if (model.Device.type == DeviceType.CUDA) cuda.synchronize();
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static double ReadSeconds(ActivationStoreReader reader, bool shuffle)
    {
        var clock = Stopwatch.StartNew();
        long rows = 0;
        foreach (var batch in reader.Batches(4096, shuffle, seed: 0, reuse: true)) rows += batch.Length / reader.D;
        if (rows != reader.Rows) throw new InvalidOperationException($"reader gave {rows} rows of {reader.Rows}");
        return clock.Elapsed.TotalSeconds;
    }
}
