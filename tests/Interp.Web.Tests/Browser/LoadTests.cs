using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Interp.Web.Runs;
using Interp.Web.Tests.Support;
using Interp.Web.Units;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Interp.Web.Tests.Browser;

/// <summary>
/// Many users at once: <see cref="UnitClients"/> browser clients going from unit page to unit page and
/// <see cref="LiveClients"/> running text on the live page, each in its own browser context, for <see cref="DefaultSeconds"/> s
/// (<c>INTERP_LOAD_SECONDS</c> changes it) against an <c>interp serve</c> of their own. Nothing may go wrong in any page or
/// on the server, every client must get work done, and the server's memory must stay flat.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed partial class LoadTests(WebAppFixture fixture, ITestOutputHelper output)
{
    private const int UnitClients = 20;
    private const int LiveClients = 5;
    private const int DefaultSeconds = 60;

    // Each client opens its first page (a live client also makes its first run, which loads Plotly) before the clock
    // starts, this many at a time: a browser context's first chart compiles Plotly's 3.5 MB script, seconds of CPU, and
    // 25 at once on two cores starve the pages so long that their keep-alive pings stop and the server drops their circuits.
    private const int OpeningAtOnce = 2;

    // A user reads a unit page for a moment before going on: a pause drawn from this range (seconds).
    private static readonly (double Low, double High) ReadingSeconds = (2.0, 5.0);

    // Every so many pages a unit client loads the page afresh (a new circuit, as a new tab or a reload); the others it
    // reaches inside its circuit, as a link does.
    private const int FreshLoadEvery = 10;

    // The live page allows 30 model requests a minute per circuit; a live client starts one at most this often.
    private static readonly TimeSpan LiveRunSpacing = TimeSpan.FromSeconds(2.5);

    // The server prints its memory this often (`interp serve --log-memory`, after a full collection). The samples compared:
    // the first printed once the load has run for WarmupSeconds, and the first after the load, every client still connected.
    private const int MemoryEverySeconds = 5;
    private const int WarmupSeconds = 10;

    // Flat means growing less than this from the one sample to the other. A unit page's circuit holds a few hundred kB;
    // a leak of one per page read would pass the managed bound within the minute's few hundred pages.
    private const double MaxManagedGrowthMegabytes = 32;
    private const double MaxWorkingSetGrowthMegabytes = 64;

    // The server gets one libtorch thread, as the interp processes of the other tests do: on two cores shared with 25
    // browser pages, a second libtorch thread mostly spins waiting for the first (measured here: 5 live clients made
    // 16 runs in 30 s with two threads, 25 with one).

    // Chromium slows the timers of pages it deems in the background, and SignalR's keep-alive pings would come late.
    private static readonly string[] Flags =
        [.. BrowserSession.Flags, "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"];

    private static readonly string[] Sentences =
    [
        "To be, or not to be, that is the question.",
        "The cat sat on the mat and looked at the dog.",
        "First Citizen: Before we proceed any further, hear me speak.",
        "All the world's a stage, and all the men and women merely players.",
        "<b>markup</b> & <script>window.__xss = 3</script> typed as text",
    ];

    [BrowserFact]
    public async Task Twenty_unit_page_clients_and_five_live_clients_get_no_errors_and_the_servers_memory_stays_flat()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("INTERP_LOAD_SECONDS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : DefaultSeconds;
        var minIterations = Math.Max(1, seconds / 20);
        var units = UnitsWithCharts();
        using var server = ServerProcess.Start(TestPaths.CliDll,
            ["serve", "--runs", fixture.Run.RunsFolder, "--urls", "http://127.0.0.1:0", "--model", TestPaths.DefaultModel, "--log-memory", MemoryEverySeconds.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1" });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = TestPaths.Chromium, Headless = true, Args = Flags, Timeout = 120_000 });
        var errors = new ConcurrentQueue<string>();
        var clients = new List<LoadClient>();
        for (var i = 0; i < UnitClients + LiveClients; i++)
            clients.Add(await LoadClient.StartAsync(browser, i < UnitClients ? $"unit-{i}" : $"live-{i - UnitClients}", server.Address, errors));
        var unitClients = clients.Take(UnitClients).ToArray();
        var liveClients = clients.Skip(UnitClients).ToArray();

        var firstUnits = new Random(UnitClients + LiveClients);
        var firstPages = clients.Select(c => (Client: c, Unit: units[firstUnits.Next(units.Length)])).ToArray();
        var opening = Stopwatch.StartNew();
        await Parallel.ForEachAsync(firstPages, new ParallelOptions { MaxDegreeOfParallelism = OpeningAtOnce }, async (first, _) =>
        {
            var ok = liveClients.Contains(first.Client)
                ? await first.Client.OpenLiveAsync() && await first.Client.RunLiveAsync($"{Sentences[0]} ({first.Client.Name}, warm-up)")
                : await first.Client.OpenUnitAsync(first.Unit.Url, first.Unit.Index, fresh: true);
            if (!ok) output.WriteLine($"{first.Client.Name}: its first page did not open");
        });
        var opened = opening.Elapsed;

        var serverCpuBefore = CpuSeconds(server.ProcessId);
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var runs = unitClients.Select((c, i) => ReadUnitsAsync(c, units, new Random(i), clock, deadline))
            .Concat(liveClients.Select(c => TypeLiveAsync(c, clock, deadline))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(WarmupSeconds, seconds / 2.0)));
        var baseline = await NextMemorySampleAsync(server);
        await Task.WhenAll(runs);
        var ended = clock.Elapsed;
        var serverCpu = CpuSeconds(server.ProcessId) - serverCpuBefore;
        var end = await NextMemorySampleAsync(server);
        var serverProblems = server.Output.Split('\n').Where(l => ServerProblem().IsMatch(l)).ToArray();

        output.WriteLine($"first pages opened in {opened.TotalSeconds:F0} s; {seconds} s of load (the last steps ended at {ended.TotalSeconds:F0} s); " +
                         $"the server used {serverCpu:F1} CPU seconds; load average at the end {LoadAverage()}");
        output.WriteLine($"unit pages read: {unitClients.Sum(c => c.Iterations)} ({string.Join(' ', unitClients.Select(c => c.Iterations))} per client)");
        output.WriteLine($"live runs: {liveClients.Sum(c => c.Iterations)} ({string.Join(' ', liveClients.Select(c => c.Iterations))} per client)");
        output.WriteLine($"server memory after {WarmupSeconds} s of load: managed {baseline.Managed:F1} MB, working set {baseline.WorkingSet:F1} MB; " +
                         $"after the load: managed {end.Managed:F1} MB, working set {end.WorkingSet:F1} MB");
        output.WriteLine("every sample (managed/working set, MB): " + string.Join(", ", MemorySamples(server.Output).Select(m => $"{m.Managed:F1}/{m.WorkingSet:F1}")));
        // What goes wrong while the contexts close (requests cut short) is not the load's doing: take the errors first.
        var failures = errors.ToArray();
        foreach (var e in failures.Take(50)) output.WriteLine("error: " + e);
        foreach (var client in clients) await client.DisposeAsync();

        Assert.True(failures.Length == 0, $"{failures.Length} errors in the browsers:\n{string.Join('\n', failures.Take(30))}");
        Assert.True(serverProblems.Length == 0, $"the server logged:\n{string.Join('\n', serverProblems.Take(30))}");
        Assert.All(clients, c => Assert.True(c.Iterations >= minIterations, $"{c.Name} got {c.Iterations} steps done; expected at least {minIterations}"));
        Assert.True(end.Managed - baseline.Managed < MaxManagedGrowthMegabytes,
            $"managed memory grew from {baseline.Managed:F1} MB to {end.Managed:F1} MB (bound {MaxManagedGrowthMegabytes} MB)");
        Assert.True(end.WorkingSet - baseline.WorkingSet < MaxWorkingSetGrowthMegabytes,
            $"working set grew from {baseline.WorkingSet:F1} MB to {end.WorkingSet:F1} MB (bound {MaxWorkingSetGrowthMegabytes} MB)");
    }

    /// <summary>Unit pages of the fixture run whose histograms have bars (a unit that never fired draws no chart).</summary>
    private (string Url, int Index)[] UnitsWithCharts()
    {
        using var pages = new RecordsUnitPageSource(new RunCatalog(fixture.Run.RunsFolder));
        return pages.Sources(FixtureRun.Name)
            .SelectMany(source => pages.Rows(source).Where(r => r.ActiveTokens > 0).Select(r => (UnitUrls.Unit(FixtureRun.Name, source.Source, r.Index), r.Index)))
            .ToArray();
    }

    /// <summary>Random unit pages until the deadline, each read for a moment.</summary>
    private static async Task ReadUnitsAsync(LoadClient client, (string Url, int Index)[] units, Random random, Stopwatch clock, TimeSpan deadline)
    {
        for (var i = 1; clock.Elapsed < deadline; i++)
        {
            var (url, index) = units[random.Next(units.Length)];
            if (await client.OpenUnitAsync(url, index, fresh: i % FreshLoadEvery == 0)) client.Iterations++;
            await Task.Delay(TimeSpan.FromSeconds(ReadingSeconds.Low + random.NextDouble() * (ReadingSeconds.High - ReadingSeconds.Low)));
        }
    }

    /// <summary>Live runs of one sentence after another until the deadline.</summary>
    private static async Task TypeLiveAsync(LoadClient client, Stopwatch clock, TimeSpan deadline)
    {
        for (var run = 0; clock.Elapsed < deadline; run++)
        {
            var started = clock.Elapsed;
            if (await client.RunLiveAsync($"{Sentences[run % Sentences.Length]} ({client.Name}, run {run})")) client.Iterations++;
            var wait = started + LiveRunSpacing - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
        }
    }

    /// <summary>The next memory line the server prints.</summary>
    private static async Task<(double Managed, double WorkingSet)> NextMemorySampleAsync(ServerProcess server)
    {
        var seen = MemorySamples(server.Output).Count;
        var waiting = Stopwatch.StartNew();
        while (waiting.Elapsed < TimeSpan.FromSeconds(MemoryEverySeconds * 6))
        {
            var samples = MemorySamples(server.Output);
            if (samples.Count > seen) return samples[seen];
            await Task.Delay(200);
        }
        throw new TimeoutException($"the server printed no memory line for {MemoryEverySeconds * 6} s:\n{server.Output}");
    }

    private static List<(double Managed, double WorkingSet)> MemorySamples(string serverOutput) =>
        serverOutput.Split('\n').Select(l => MemoryLine().Match(l.TrimEnd('\r'))).Where(m => m.Success)
            .Select(m => (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>User and system CPU seconds of process <paramref name="pid"/> (Linux's /proc, 100 ticks a second; 0 elsewhere).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return 0;
        var fields = File.ReadAllText(stat).Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    [GeneratedRegex(@"^memory: managed ([0-9.]+) MB, working set ([0-9.]+) MB$")]
    private static partial Regex MemoryLine();

    // The server logs one line per entry: "warn: …", "fail: …" (an unhandled exception), "crit: …".
    [GeneratedRegex(@"^\s*(warn|fail|crit):")]
    private static partial Regex ServerProblem();
}
