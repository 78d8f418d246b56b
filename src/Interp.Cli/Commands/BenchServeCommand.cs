using System.CommandLine;
using System.Text.Json;
using Interp.Core;
using Interp.Web.Benchmarks;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp bench serve --records DIR</c>: server-side time to render a unit page (p50, p95, max over random units of a
/// records store) and each page's payload (its HTML as rendered and as sent compressed, and the JSON its charts send), with the
/// web app started in this process.
/// </summary>
public static class BenchServeCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        // Checked in the action rather than marked Required, so that leaving it out is one error line, not the help text.
        var records = new Option<string?>("--records") { Description = "Records folder (interp records --out) whose unit pages are timed (required)" };
        var run = new Option<string?>("--run") { Description = "The run folder the app serves (default: the nearest run folder above --records)" };
        var units = new Option<int>("--units") { Description = "Random units whose pages are timed", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Pages fetched first and not timed", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random choice of units", DefaultValueFactory = _ => 0 };
        var flood = new Option<int>("--flood") { Description = "Instead of timing pages: send this many unit-page GETs at once (see --concurrency) and report statuses and resident memory", DefaultValueFactory = _ => 0 };
        var concurrency = new Option<int>("--concurrency") { Description = "GETs in flight at once with --flood", DefaultValueFactory = _ => 100 };
        var command = new Command("serve", "Unit page render time (p50/p95/max ms) and payload (HTML as rendered and as sent compressed, chart JSON; kB) over random units of a records store")
            { records, run, units, warmup, seed, flood, concurrency, json };
        command.SetAction(CliApp.Guard(new Dictionary<string, string> { [nameof(UnitPageBenchmarkOptions.RunFolder)] = "--run" }, parse =>
        {
            var asJson = parse.GetValue(json);
            var n = parse.GetValue(units);
            if (n < 1) throw new InterpException($"--units {n}: must be at least 1");
            var w = parse.GetValue(warmup);
            if (w < 0) throw new InterpException($"--warmup {w}: must not be negative");
            if (parse.GetValue(records) is not { Length: > 0 } folder)
                throw new InterpException("--records: required: the records folder of the units to time (interp records --out), e.g. runs/NAME/records/SOURCE");
            if (!Directory.Exists(folder) && !File.Exists(folder)) throw new InterpException($"--records {folder}: no such folder");
            if (parse.GetValue(flood) is var requests and not 0)
            {
                if (requests < 1) throw new InterpException($"--flood {requests}: must be at least 1");
                var c = parse.GetValue(concurrency);
                if (c < 1) throw new InterpException($"--concurrency {c}: must be at least 1");
                var f = ServerFlood.RunAsync(new UnitPageBenchmarkOptions { RecordsFolder = folder, RunFolder = parse.GetValue(run), Seed = parse.GetValue(seed) },
                    requests, c, Console.Error.WriteLine).GetAwaiter().GetResult();
                BenchServeFloodOutput.Write(f, asJson);
                return 0;
            }
            var r = UnitPageBenchmark.RunAsync(new UnitPageBenchmarkOptions { RecordsFolder = folder, RunFolder = parse.GetValue(run), Units = n, Warmup = w, Seed = parse.GetValue(seed) },
                Console.Error.WriteLine).GetAwaiter().GetResult();
            if (asJson)
            {
                JsonOutput.Write(writer =>
                {
                    writer.WriteString("run", r.Run);
                    writer.WriteString("source", r.Source);
                    writer.WriteNumber("store_units", r.StoreUnits);
                    writer.WriteNumber("units", r.Units);
                    writer.WriteNumber("warmup", r.Warmup);
                    writer.WriteNumber("seed", r.Seed);
                    Write(writer, "render_ms", r.RenderMilliseconds, 2);
                    Write(writer, "html_kb", r.HtmlKilobytes, 1);
                    Write(writer, "wire_kb", r.WireKilobytes, 1);
                    writer.WriteString("content_encoding", r.ContentEncoding);
                    Write(writer, "chart_kb", r.ChartKilobytes, 1);
                    Write(writer, "page_kb", r.PageKilobytes, 1);
                    Write(writer, "tokens", r.Tokens, 0);
                    writer.WriteNumber("first_page_ms", Math.Round(r.FirstMilliseconds, 1));
                    writer.WriteNumber("seconds", Math.Round(r.Seconds, 3));
                });
                return 0;
            }
            Console.WriteLine($"{r.Source} of run {r.Run} ({r.StoreUnits:N0} units): {r.Units} random pages (seed {r.Seed}) after {r.Warmup} warm-up pages, {r.Seconds:F1} s");
            Console.WriteLine($"  {"",-22} {"p50",9} {"p95",9} {"max",9}");
            Line("render ms", r.RenderMilliseconds, "F1", "GET of the prerendered, compressed page over loopback, to its last byte; goal p95 ≤ 100");
            Line("page HTML kB", r.HtmlKilobytes, "F1", "as rendered");
            Line("page on the wire kB", r.WireKilobytes, "F1", $"as sent ({r.ContentEncoding}) to a client taking {EncodedBody.AcceptEncoding}; goal p95 ≤ 100");
            Line("chart JSON kB", r.ChartKilobytes, "F1", "the histograms, sent over the circuit once interactive");
            Line("page total kB", r.PageKilobytes, "F1", "goal ≤ 1,000");
            Line("coloured tokens", r.Tokens, "F0", "");
            Console.WriteLine($"  first page after start  {r.FirstMilliseconds,8:F0} ms   (opens the store, caches the unit list; not in the figures above)");
            return 0;
        }));
        return command;
    }

    private static void Line(string name, Spread s, string format, string note) =>
        Console.WriteLine($"  {name,-22} {s.P50.ToString(format),9} {s.P95.ToString(format),9} {s.Max.ToString(format),9}{(note.Length > 0 ? "   " + note : "")}");

    private static void Write(Utf8JsonWriter writer, string name, Spread s, int digits)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("p50", Math.Round(s.P50, digits));
        writer.WriteNumber("p95", Math.Round(s.P95, digits));
        writer.WriteNumber("max", Math.Round(s.Max, digits));
        writer.WriteEndObject();
    }
}
