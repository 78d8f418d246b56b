using System.Diagnostics;
using System.Net;
using Interp.Records;
using Interp.Core;
using Interp.Web.Hosting;
using Interp.Web.Runs;
using Interp.Web.Units;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Interp.Web.Benchmarks;

/// <summary>
/// Server-side time to render a unit page, and what a page weighs: the app as <c>interp serve</c> builds it, started in
/// this process on a free loopback port, serves the run; after some warm-up pages, each sampled unit's page is fetched
/// with a GET as a browser sends it (<c>Accept-Encoding: br, gzip</c>), which the server answers with the whole page
/// rendered to HTML (prerendering: the same components, data access and markup the interactive page has) and compressed,
/// timed from the request to the last byte. Each page is measured as sent (bytes on the wire) and as rendered (decoded).
/// The charts are not in the HTML (Plotly draws them in the browser from JSON sent over the circuit once the page is
/// interactive); their JSON is measured separately from the same records.
/// </summary>
public static class UnitPageBenchmark
{
    // The scanner finds records stores up to three folders below a run.
    private const int MaxRunDepth = 3;

    /// <summary>Runs the benchmark; <paramref name="log"/> gets a line now and then.</summary>
    /// <exception cref="InterpException">No finished records store at <see cref="UnitPageBenchmarkOptions.RecordsFolder"/>, no run around it,
    /// the app shows no pages from it, or a page does not come back.</exception>
    public static async Task<UnitPageBenchmarkResult> RunAsync(UnitPageBenchmarkOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var given = Path.GetFullPath(options.RecordsFolder);
        var records = Path.TrimEndingDirectorySeparator(File.Exists(given) ? Path.GetDirectoryName(given)! : given);   // the folder, also when given records.db
        using var store = UnitRecordStore.Open(records);
        var runFolder = options.RunFolderFor(records);
        if (!Directory.Exists(runFolder)) throw new InterpException($"{runFolder}: no such run folder");

        // Logs go to stderr so that stdout carries only the results (and --json stays one document).
        await using var app = InterpWebApp.Build(new InterpWebOptions { RunsDirectory = runFolder, Urls = "http://127.0.0.1:0" },
            builder => builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            var source = FindSource(app.Services, records, runFolder);
            // No automatic decompression: the body is read as it came over the wire, then decoded here.
            using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = new Uri(InterpWebApp.Addresses(app)[0].TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(2) };

            var indices = store.Units.Select(u => u.Index).ToArray();
            if (indices.Length == 0) throw new InterpException($"{records}: the store has no units");
            new Random(options.Seed).Shuffle(indices);
            var timed = indices.Take(Math.Max(1, options.Units)).ToArray();
            // Warm-up pages are other units where the store has them, so that the timed pages are first visits.
            var warmup = Enumerable.Range(0, Math.Max(0, options.Warmup)).Select(i => indices[(timed.Length + i) % indices.Length]).ToArray();
            log?.Invoke($"{warmup.Length} warm-up pages, then {timed.Length} timed, of {source.Source} in run {source.Run} ({indices.Length:N0} units)");
            // The first page opens the store and reads every unit's summary row (for the list and the previous/next links).
            var first = Stopwatch.StartNew();
            await FetchAsync(http, source, warmup.Length > 0 ? warmup[0] : timed[0]).ConfigureAwait(false);
            var firstMilliseconds = first.Elapsed.TotalMilliseconds;
            foreach (var index in warmup.Skip(1)) await FetchAsync(http, source, index).ConfigureAwait(false);

            var milliseconds = new double[timed.Length];
            var html = new double[timed.Length];
            var wire = new double[timed.Length];
            var tokens = new double[timed.Length];
            var encodings = new SortedSet<string>(StringComparer.Ordinal);
            var all = Stopwatch.StartNew();
            for (var i = 0; i < timed.Length; i++)
            {
                var watch = Stopwatch.StartNew();
                var body = await FetchAsync(http, source, timed[i]).ConfigureAwait(false);
                milliseconds[i] = watch.Elapsed.TotalMilliseconds;
                html[i] = body.Rendered.Length / 1e3;
                wire[i] = body.Wire.Length / 1e3;
                tokens[i] = body.Rendered.AsSpan().Count("class=\"tok\""u8);
                encodings.Add(body.Encoding);
            }
            var seconds = all.Elapsed.TotalSeconds;
            var charts = timed.Select(index => UnitPageCharts.JsonBytes(store.Read(index)) / 1e3).ToArray();
            return new UnitPageBenchmarkResult(source.Run, source.Source, indices.Length, timed.Length, warmup.Length, options.Seed,
                Spread.Of(milliseconds), Spread.Of(html), Spread.Of(wire), string.Join("; ", encodings), Spread.Of(charts), Spread.Of(html.Zip(charts, (h, c) => h + c)),
                Spread.Of(tokens), firstMilliseconds, seconds);
        }
        finally
        {
            await app.StopAsync().ConfigureAwait(false);
        }
    }

    private static async Task<EncodedBody> FetchAsync(HttpClient http, UnitSourceRef source, int index)
    {
        var url = UnitUrls.Unit(source.Run, source.Source, index);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", EncodedBody.AcceptEncoding);
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK) throw new InterpException($"GET /{url}: HTTP {(int)response.StatusCode}");
        return EncodedBody.Decode(response.Content.Headers.ContentEncoding, body);
    }

    /// <summary>The nearest folder above <paramref name="records"/> that the app would take for a run, or null.</summary>
    internal static string? FindRun(string records)
    {
        var folder = Path.GetDirectoryName(records);
        for (var depth = 0; folder is not null && depth < MaxRunDepth; depth++, folder = Path.GetDirectoryName(folder))
            if (RunScanner.IsRun(folder)) return folder;
        return null;
    }

    /// <summary>The unit source the app shows from <paramref name="records"/>.</summary>
    internal static UnitSourceRef FindSource(IServiceProvider services, string records, string runFolder)
    {
        var catalog = services.GetRequiredService<IRunCatalog>();
        var pages = services.GetRequiredService<IUnitPageSource>();
        var runs = catalog.Runs();
        return runs.SelectMany(r => pages.Sources(r.Name))
                   .FirstOrDefault(s => Path.TrimEndingDirectorySeparator(Path.GetFullPath(s.RecordsFolder)) == records)
               ?? throw new InterpException($"{records}: the app serving {runFolder} shows no pages from this store" +
                                            (runs.SelectMany(r => r.Problems).FirstOrDefault() is { } problem ? $" ({problem})" : ""));
    }
}
