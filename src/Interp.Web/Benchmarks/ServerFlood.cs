using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime;
using Interp.Records;
using Interp.Core;
using Interp.Web.Hosting;
using Interp.Web.Units;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Interp.Web.Benchmarks;

/// <summary>
/// Many unit-page GETs at once against the app as <c>interp serve</c> builds it, started in this process on a free
/// loopback port: the answers by status, and the process's resident memory before, at its peak and after settling,
/// with the managed heap beside it (the difference is native memory and heap the collector has not given back).
/// The client is in the same process; its share is the HttpClient's buffers, small next to the server's.
/// </summary>
public static class ServerFlood
{
    private const int WarmupPages = 20;
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(50);

    /// <summary>Time given to memory to settle after the flood (collections, the allocator giving pages back).</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(5);

    /// <summary>Sends <paramref name="requests"/> GETs of random unit pages of the store, <paramref name="concurrency"/> at a time.</summary>
    /// <exception cref="InterpException">No finished records store, no run around it, or the app shows no pages from it.</exception>
    public static async Task<ServerFloodResult> RunAsync(UnitPageBenchmarkOptions options, int requests, int concurrency, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var given = Path.GetFullPath(options.RecordsFolder);
        var records = Path.TrimEndingDirectorySeparator(File.Exists(given) ? Path.GetDirectoryName(given)! : given);
        int[] indices;
        using (var store = UnitRecordStore.Open(records)) indices = store.Units.Select(u => u.Index).ToArray();
        if (indices.Length == 0) throw new InterpException($"{records}: the store has no units");
        var runFolder = options.RunFolderFor(records);

        await using var app = InterpWebApp.Build(new InterpWebOptions { RunsDirectory = runFolder, Urls = "http://127.0.0.1:0" },
            builder => builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            var source = UnitPageBenchmark.FindSource(app.Services, records, runFolder);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency })
            {
                BaseAddress = new Uri(InterpWebApp.Addresses(app)[0].TrimEnd('/') + "/"),
                Timeout = TimeSpan.FromMinutes(2),
            };
            var random = new Random(options.Seed);
            var targets = Enumerable.Range(0, requests).Select(_ => UnitUrls.Unit(source.Run, source.Source, indices[random.Next(indices.Length)])).ToArray();
            foreach (var target in targets.Take(WarmupPages)) await GetAsync(http, target).ConfigureAwait(false);

            var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
            var residentBefore = ProcessMemory.Resident() ?? 0;
            log?.Invoke($"{requests} GETs of {source.Source} unit pages, {concurrency} at a time; resident {residentBefore / 1e6:F0} MB before");
            var statuses = new ConcurrentDictionary<int, int>();
            long peak = residentBefore;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    if (ProcessMemory.Resident() is { } now) Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), now));
                    try { await Task.Delay(SampleEvery, sampling.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) { }
                }
            });
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (target, _) =>
                statuses.AddOrUpdate(await GetAsync(http, target).ConfigureAwait(false), 1, (_, n) => n + 1)).ConfigureAwait(false);
            var seconds = clock.Elapsed.TotalSeconds;
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);

            // Settling: what an idle server returns to. The lowest sample counts (a collection may run in between).
            var after = long.MaxValue;
            var settle = Stopwatch.StartNew();
            long managedAfter = 0;
            while (settle.Elapsed < SettleTime)
            {
                managedAfter = GC.GetTotalMemory(forceFullCollection: true);
                after = Math.Min(after, ProcessMemory.Resident() ?? 0);
                await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
            return new ServerFloodResult(source.Run, source.Source, requests, concurrency, new SortedDictionary<int, int>(statuses), seconds,
                residentBefore, Math.Max(peak, after), after, managedBefore, managedAfter, GCSettings.IsServerGC);
        }
        finally
        {
            await app.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The status of one GET, its body read to the end; 0 when no answer came.</summary>
    private static async Task<int> GetAsync(HttpClient http, string target)
    {
        try
        {
            using var response = await http.GetAsync(target, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }
}
