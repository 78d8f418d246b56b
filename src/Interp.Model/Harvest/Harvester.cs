using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Harvest;

/// <summary>What to harvest and how to store it.</summary>
public sealed record HarvestOptions
{
    /// <summary>Hooks to store; each gets a folder <c>OutDirectory/&lt;hook name&gt;</c>. Per-token hooks only (not attention patterns).</summary>
    public required IReadOnlyList<HookName> Hooks { get; init; }

    /// <summary>The store root.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>Contexts per forward pass.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The default <see cref="BatchSize"/> (harvest, records, eval-sae, benchmarks).</summary>
    public const int DefaultBatchSize = 8;

    /// <summary>Storage type of the activations.</summary>
    public ActivationDtype Dtype { get; init; } = ActivationDtype.Float32;

    /// <summary>Target shard size in MiB (for the widest hook); row groups are at most 16 MiB.</summary>
    public double ShardMegabytes { get; init; } = 128;

    /// <summary>Overrides the planned contexts per shard (with <see cref="ContextsPerRowGroup"/>; mostly for tests).</summary>
    public long? ContextsPerShard { get; init; }

    /// <summary>Overrides the planned contexts per row group (must divide <see cref="ContextsPerShard"/>).</summary>
    public long? ContextsPerRowGroup { get; init; }

    /// <summary>This machine's part, 1-based, of a harvest split over <see cref="ShardN"/> machines.</summary>
    public int ShardK { get; init; } = 1;

    /// <summary>Number of machines the harvest is split over.</summary>
    public int ShardN { get; init; } = 1;

    /// <summary>Replace existing stores (otherwise a finished store or another harvest in the folder is refused).</summary>
    public bool Overwrite { get; init; }

    /// <summary>Batches that may wait for the background writer.</summary>
    public int WriterQueue { get; init; } = 2;

    /// <summary>Where shards are written (see <see cref="HarvestWriter"/>).</summary>
    public HarvestWriter Writer { get; init; } = HarvestWriter.Background;
}

/// <summary>Which thread writes the shards during a harvest.</summary>
public enum HarvestWriter
{
    /// <summary>A background thread, fed through a bounded queue, overlapping the next batches' compute.</summary>
    Background,

    /// <summary>A background thread at the lowest scheduling priority (Linux nice 19), so it runs on cycles the model leaves idle.</summary>
    BackgroundLowPriority,

    /// <summary>The model's thread, after each batch (no overlap, no competition for cores).</summary>
    Inline,
}

/// <summary>Progress of a harvest, reported after each batch.</summary>
/// <param name="Tokens">Tokens stored so far (earlier runs included; for several hooks, those all hooks have).</param>
/// <param name="TotalTokens">Tokens in the finished store.</param>
/// <param name="TokensThisRun">Tokens computed by this run.</param>
/// <param name="Elapsed">Time since this run started computing.</param>
public sealed record HarvestProgress(long Tokens, long TotalTokens, long TokensThisRun, TimeSpan Elapsed) : IJobProgress
{
    long IJobProgress.Done => Tokens;
    long IJobProgress.Total => TotalTokens;

    /// <summary>One plain line: tokens stored of the total and this run's rate (a progress display adds the time left).</summary>
    public string Describe() => $"{Tokens:N0}/{TotalTokens:N0} tokens | {TokensPerSecond:N0} tokens/s";

    /// <summary>This run's rate.</summary>
    public double TokensPerSecond => Elapsed.TotalSeconds > 0 ? TokensThisRun / Elapsed.TotalSeconds : 0;

    /// <summary>Estimated time left at this run's rate.</summary>
    public TimeSpan? Eta => TokensPerSecond > 0 ? TimeSpan.FromSeconds((TotalTokens - Tokens) / TokensPerSecond) : null;
}

/// <summary>The outcome of a harvest.</summary>
/// <param name="Manifests">Each hook's final manifest.</param>
/// <param name="TokensThisRun">Tokens computed by this run (0 when only the manifests needed finishing).</param>
/// <param name="Elapsed">Wall time of the compute-and-write phase.</param>
/// <param name="ModelSeconds">Time the model thread spent in forward passes (activation copies included).</param>
/// <param name="WaitSeconds">Time the model thread spent handing batches to the writer (waiting when it was behind; with
/// <see cref="HarvestWriter.Inline"/>, the writing itself).</param>
public sealed record HarvestResult(IReadOnlyList<ActivationManifest> Manifests, long TokensThisRun, TimeSpan Elapsed,
    double ModelSeconds = 0, double WaitSeconds = 0)
{
    /// <summary>Tokens per second of this run (model and storage together).</summary>
    public double TokensPerSecond => Elapsed.TotalSeconds > 0 ? TokensThisRun / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Runs a model over contexts and stores the activations at some hooks (<c>interp harvest</c>). The model runs on the
/// calling thread, only up to the deepest hook; each batch's activations are copied to plain arrays and handed to one
/// background writer through a bounded queue, so writing shard <c>j</c> overlaps computing the next batches. Shards
/// are written whole or not at all (see <see cref="ActivationStoreWriter"/>); a cancelled or killed run resumes from
/// its finished shards and ends with exactly the store a clean run writes.
/// </summary>
public static class Harvester
{
    /// <summary>
    /// Harvests <paramref name="contexts"/> through <paramref name="model"/> into <see cref="HarvestOptions.OutDirectory"/>.
    /// Cancelling stops after the current batch and leaves the open shard unfinished, as a kill would.
    /// </summary>
    /// <exception cref="InterpException">Bad hooks, contexts that do not fit the model, or a store that may not be written (see <see cref="ActivationStoreWriter.Open"/>).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static HarvestResult Run(Gpt2 model, ContextSet contexts, HarvestOptions options, Action<HarvestProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(contexts);
        if (options.Hooks.Count == 0) throw HarvestJobOptions.Refuse(n => $"no hook given: pass at least one {n(nameof(HarvestJobOptions.Hooks))}");
        if (options.BatchSize < 1) throw HarvestJobOptions.Refuse(n => $"{n(nameof(HarvestJobOptions.Batch))} {options.BatchSize}: must be at least 1");
        var hooks = options.Hooks.Select(h => HookName.Parse(h.Name, model.Config.NLayer)).Distinct().ToArray();
        if (contexts.Ctx > model.Config.NPositions)
            throw HarvestJobOptions.Refuse(n => $"{n(nameof(HarvestJobOptions.Ctx))} {contexts.Ctx} is longer than this model's n_positions={model.Config.NPositions}");
        if (contexts.MaxTokenId() is var maxId && maxId >= model.Config.VocabSize)
            throw HarvestJobOptions.Refuse(n => $"token id {maxId} is out of range for this model's vocab_size={model.Config.VocabSize}" +
                (contexts.PrependBos && maxId == contexts.BosTokenId ? $" (it is the BOS of {n(nameof(HarvestJobOptions.PrependBos))})" : ""));

        var widths = hooks.Select(model.Config.WidthOf).ToArray();
        var layout = Layout(contexts, options, widths.Max());
        var identity = ModelFingerprint.Of(model);
        OutputPath.CheckFolder(options.OutDirectory);
        var writers = new List<ActivationStoreWriter>();
        try
        {
            var plans = hooks.Select((hook, h) => new ActivationManifest
            {
                Model = identity, TlProcessing = model.Processing, Hook = hook.Name, D = widths[h], Dtype = ActivationSchema.Name(options.Dtype), Ctx = contexts.Ctx,
                PrependBos = contexts.PrependBos, BosTokenId = contexts.PrependBos ? contexts.BosTokenId : null, Corpus = contexts.Record,
                MaxTokens = contexts.MaxTokens, Layout = layout, TotalTokens = layout.SelectedContexts * contexts.Ctx,
            }).ToArray();
            var folders = hooks.Select(h => Path.Combine(options.OutDirectory, h.Name)).ToArray();
            // One finished hook store is fine while another hook still has work (a kill between their last shards);
            // all finished is a finished harvest, which only --overwrite replaces.
            var allComplete = !options.Overwrite && folders.Select((f, h) => ActivationStoreWriter.IsComplete(f, plans[h])).All(c => c);
            for (var h = 0; h < hooks.Length; h++)
                writers.Add(ActivationStoreWriter.Open(folders[h], plans[h], options.Overwrite, refuseComplete: allComplete));
            return Harvest(model, contexts, hooks, widths, layout, writers, options, progress, cancellationToken);
        }
        finally
        {
            foreach (var writer in writers) writer.Dispose();
        }
    }

    private static StoreLayout Layout(ContextSet contexts, HarvestOptions options, int widest)
    {
        StoreLayout.CheckSplit(options.ShardK, options.ShardN);
        if (options.ContextsPerShard is not { } perShard)
            return StoreLayout.Plan(contexts.Count, contexts.Ctx, widest, options.Dtype, options.ShardMegabytes, options.ShardK, options.ShardN);
        var perGroup = options.ContextsPerRowGroup ?? perShard;
        if (perShard < 1 || perGroup < 1 || perShard % perGroup != 0)
            throw new InterpException($"contexts per shard {perShard} must be a positive multiple of contexts per row group {perGroup}");
        return new StoreLayout(contexts.Count, perShard, perGroup, options.ShardK, options.ShardN);
    }

    private abstract record WriterItem;

    private sealed record BeginShard(int Shard) : WriterItem;

    private sealed record Batch(long[] Contexts, int[] Tokens, float[][] Activations) : WriterItem;

    private sealed record EndShard(int Shard) : WriterItem;

    private static HarvestResult Harvest(Gpt2 model, ContextSet contexts, HookName[] hooks, int[] widths, StoreLayout layout,
        List<ActivationStoreWriter> writers, HarvestOptions options, Action<HarvestProgress>? progress, CancellationToken cancel)
    {
        var ctx = contexts.Ctx;
        var work = layout.ShardsWithData.Where(j => writers.Any(w => !w.HasShard(j))).ToArray();
        var totalTokens = layout.SelectedContexts * ctx;
        var tokensBefore = totalTokens - work.Sum(j => layout.ContextsIn(j)) * ctx;
        var queue = Channel.CreateBounded<WriterItem>(new BoundedChannelOptions(Math.Max(1, options.WriterQueue))
            { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        var inline = options.Writer == HarvestWriter.Inline;
        var writerThread = inline ? Task.CompletedTask : Task.Factory.StartNew(() =>
        {
            if (options.Writer == HarvestWriter.BackgroundLowPriority) ThreadNice.Lowest();
            Write(queue.Reader, writers, widths, queue.Writer);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var inlineState = new List<ActivationStoreWriter>();

        var clock = Stopwatch.StartNew();
        long done = 0;
        double modelSeconds = 0, waitSeconds = 0;
        var index = hooks.Select((h, i) => (h.Name, i)).ToDictionary(p => p.Name, p => p.i);
        float[][]? current = null;
        HookFunction capture = (activation, hook) =>
        {
            using var values = activation.detach().to(ScalarType.Float32).cpu().contiguous();
            MemoryMarshal.Cast<byte, float>(values.bytes).CopyTo(current![index[hook.Name]]);
            return null;
        };
        var stopAt = model.StopAfter(hooks);
        try
        {
            using var noGrad = no_grad();
            using var registration = model.Hooks(hooks.Select(h => (h, capture)).ToArray());
            foreach (var shard in work)
            {
                Send(queue.Writer, new BeginShard(shard), inline ? inlineState : null, writers, widths);
                foreach (var chunk in layout.ContextsOf(shard).Chunk(options.BatchSize))
                {
                    cancel.ThrowIfCancellationRequested();
                    var n = chunk.Length;
                    var tokens = new int[n * ctx];
                    for (var i = 0; i < n; i++) contexts.Fill(chunk[i], tokens.AsSpan(i * ctx, ctx));
                    current = widths.Select(d => ArrayPool<float>.Shared.Rent(n * ctx * d)).ToArray();
                    var started = Stopwatch.GetTimestamp();
                    using (var scope = NewDisposeScope())
                    {
                        using var input = tensor(Array.ConvertAll(tokens, t => (long)t), [n, ctx], ScalarType.Int64).to(model.Device);
                        model.Run(input, stopAt);
                    }
                    var computed = Stopwatch.GetTimestamp();
                    Send(queue.Writer, new Batch(chunk, tokens, current), inline ? inlineState : null, writers, widths);
                    modelSeconds += Stopwatch.GetElapsedTime(started, computed).TotalSeconds;
                    waitSeconds += Stopwatch.GetElapsedTime(computed).TotalSeconds;
                    current = null;
                    done += (long)n * ctx;
                    progress?.Invoke(new HarvestProgress(tokensBefore + done, totalTokens, done, clock.Elapsed));
                }
                Send(queue.Writer, new EndShard(shard), inline ? inlineState : null, writers, widths);
            }
            queue.Writer.TryComplete();
            writerThread.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            queue.Writer.TryComplete();
            // A writer failure closes the queue; report the writer's exception rather than the closed queue.
            if (writerThread.Wait(TimeSpan.FromMinutes(10)) && e is ChannelClosedException) writerThread.GetAwaiter().GetResult();
            throw;
        }
        catch
        {
            queue.Writer.TryComplete();
            writerThread.Wait(TimeSpan.FromMinutes(10));
            throw;
        }
        return new HarvestResult(writers.Select(w => w.Manifest).ToArray(), done, clock.Elapsed, modelSeconds, waitSeconds);
    }

    private static void Send(ChannelWriter<WriterItem> queue, WriterItem item, List<ActivationStoreWriter>? inline, List<ActivationStoreWriter> writers, int[] widths)
    {
        if (inline is not null) Handle(item, writers, widths, inline);
        else if (!queue.TryWrite(item)) queue.WriteAsync(item).AsTask().GetAwaiter().GetResult();
    }

    // The background writer: appends each batch to every hook store that still needs the shard; returns the arrays.
    private static void Write(ChannelReader<WriterItem> queue, List<ActivationStoreWriter> writers, int[] widths, ChannelWriter<WriterItem> close)
    {
        var active = new List<ActivationStoreWriter>();
        try
        {
            while (queue.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                while (queue.TryRead(out var item)) Handle(item, writers, widths, active);
        }
        catch (Exception e)
        {
            close.TryComplete(e);
            throw;
        }
    }

    private static void Handle(WriterItem item, List<ActivationStoreWriter> writers, int[] widths, List<ActivationStoreWriter> active)
    {
        switch (item)
        {
            case BeginShard begin:
                active.Clear();
                foreach (var writer in writers.Where(w => !w.HasShard(begin.Shard)))
                {
                    writer.BeginShard(begin.Shard);
                    active.Add(writer);
                }
                break;
            case Batch batch:
                for (var w = 0; w < writers.Count; w++)
                {
                    if (active.Contains(writers[w]))
                        writers[w].Append(batch.Contexts, batch.Tokens, batch.Activations[w].AsSpan(0, batch.Tokens.Length * widths[w]));
                    ArrayPool<float>.Shared.Return(batch.Activations[w]);
                }
                break;
            case EndShard:
                foreach (var writer in active) writer.EndShard();
                active.Clear();
                break;
        }
    }
}

/// <summary>Lowers the calling thread's scheduling priority where the OS allows it (Linux: nice 19 for this thread only).</summary>
internal static class ThreadNice
{
    public static void Lowest()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            setpriority(0 /* PRIO_PROCESS: given a thread id, that thread */, gettid(), 19);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc ≥ 2.30: keep the default priority.
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int priority);

    [DllImport("libc")]
    private static extern int gettid();
}
