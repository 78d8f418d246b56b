using System.Collections.Concurrent;
using Interp.Records;
using Interp.Web.Benchmarks;
using Interp.Web.Tests.Support;
using Interp.Web.Units;
using Xunit.Abstractions;

namespace Interp.Web.Tests.Faults;

/// <summary>
/// Many unit-page GETs at once against a real <c>interp serve</c>: every one answers 200, and the server's resident
/// memory (its /proc status, sampled during the flood) does not grow with the number of clients.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed class ServerFloodFaultTests(WebAppFixture fixture, ITestOutputHelper output)
{
    private const int Requests = 400;
    private const int AtOnce = 50;

    // Measured on 2 cores: before pages were rendered a few at a time (PageRenderLimiter), this flood took the server's
    // resident memory up by 457 MB at its peak (each page in flight holds its render tree and ~220 kB of HTML until
    // sent); after, by 55–75 MB.
    private const double MaxPeakGrowthMegabytes = 300;

    [Fact]
    public async Task Four_hundred_unit_page_gets_fifty_at_once_all_answer_200_and_the_servers_memory_stays_bounded()
    {
        var runs = TestPaths.NewTempFolder("flood");
        var records = Path.Combine(runs, "flood", "records", "sae");
        // The records stores' default sampling: pages the size of a real run's (about 220 kB of HTML, 2,000 coloured tokens).
        RecordsJob.Run(new RecordsJobOptions
        {
            Activations = Path.Combine(fixture.Run.RunFolder, "activations"), Sae = fixture.Run.SaeFolder, Model = TestPaths.DefaultModel, OutDirectory = records,
        });
        int[] units;
        using (var store = UnitRecordStore.Open(records)) units = store.Units.Select(u => u.Index).ToArray();
        using var server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--runs", runs, "--urls", "http://127.0.0.1:0"]);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = AtOnce }) { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
        var random = new Random(0);
        var targets = Enumerable.Range(0, Requests).Select(_ => UnitUrls.Unit("flood", FixtureRun.SaeSource, units[random.Next(units.Length)])).ToArray();
        foreach (var target in targets.Take(10)) (await http.GetAsync(target)).Dispose();
        var before = ProcessMemory.Resident(server.ProcessId)!.Value;

        var statuses = new ConcurrentDictionary<int, int>();
        long peak = before;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (ProcessMemory.Resident(server.ProcessId) is { } now) peak = Math.Max(peak, now);
                try { await Task.Delay(50, stop.Token); } catch (OperationCanceledException) { }
            }
        });
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = AtOnce }, async (target, _) =>
        {
            using var response = await http.GetAsync(target);
            await response.Content.ReadAsByteArrayAsync();
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
        });
        await stop.CancelAsync();
        await sampler;

        var growth = (peak - before) / 1e6;
        output.WriteLine($"resident before {before / 1e6:F0} MB, peak {peak / 1e6:F0} MB (growth {growth:F0} MB); answers {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}");
        Assert.Equal(Requests, statuses.GetValueOrDefault(200));
        Assert.True(growth < MaxPeakGrowthMegabytes, $"resident memory grew by {growth:F0} MB at its peak during {Requests} GETs, {AtOnce} at once (bound {MaxPeakGrowthMegabytes} MB)");
        FaultRequests.AssertNoStackTrace(server.Output);
    }
}
