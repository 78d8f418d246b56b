using System.CommandLine;
using Interp.AutoInterp.Batch;
using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp bench autointerp</c>: offline explain + simulate + score throughput (units/s) over synthetic units, and the
/// LLM path's overhead per request against its own local instant server (one fixed answer) at concurrency 1 and 32.
/// </summary>
public static class BenchAutoInterpCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var units = new Option<int>("--units") { Description = "Synthetic units for the offline run", DefaultValueFactory = _ => 1000 };
        var requests = new Option<int>("--llm-requests") { Description = "Requests per concurrency level against the local instant server", DefaultValueFactory = _ => 500 };
        var concurrency = new Option<int>("--concurrency") { Description = "Workers of the offline run (default: cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("autointerp", "Offline explain+simulate+score units/s, and LLM request overhead against a local instant server") { units, requests, concurrency, json };
        command.SetAction(CliApp.Guard(parse =>
        {
            var asJson = parse.GetValue(json);
            var n = parse.GetValue(units);
            if (n < 1) throw new InterpException($"--units {n}: must be at least 1");
            var r = AutoInterpBenchmark.RunAsync(n, Math.Max(1, parse.GetValue(requests)), [1, 32], Math.Max(1, parse.GetValue(concurrency)),
                asJson ? Console.Error.WriteLine : Console.WriteLine).GetAwaiter().GetResult();
            if (!asJson) return 0;
            JsonOutput.Write(w =>
            {
                w.WriteNumber("units", r.Units);
                w.WriteNumber("concurrency", r.Concurrency);
                w.WriteNumber("offline_seconds", Math.Round(r.OfflineSeconds, 3));
                w.WriteNumber("offline_units_per_second", Math.Round(r.UnitsPerSecond, 1));
                w.WriteNumber("offline_cpu_seconds", Math.Round(r.OfflineCpuSeconds, 3));
                w.WriteNumber("offline_units_per_cpu_second", Math.Round(r.UnitsPerCpuSecond, 1));
                w.WriteNumber("explain_ms", Math.Round(r.Phases.Explain, 3));
                w.WriteNumber("simulate_correlation_ms", Math.Round(r.Phases.Simulate, 3));
                w.WriteNumber("detection_fuzzing_ms", Math.Round(r.Phases.Delphi, 3));
                if (r.MeanCorrelation is { } m) w.WriteNumber("mean_correlation", Math.Round(m, 4));
                w.WriteStartArray("llm");
                foreach (var o in r.Llm)
                {
                    w.WriteStartObject();
                    w.WriteNumber("concurrency", o.Concurrency);
                    w.WriteNumber("requests", o.Requests);
                    w.WriteNumber("requests_per_second", Math.Round(o.RequestsPerSecond, 1));
                    w.WriteNumber("ms_per_request", Math.Round(o.MillisecondsPerRequest, 3));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return 0;
        }));
        return command;
    }
}
