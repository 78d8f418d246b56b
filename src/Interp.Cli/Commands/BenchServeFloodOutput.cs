using System.Globalization;
using Interp.Web.Benchmarks;

namespace Interp.Cli.Commands;

/// <summary>What <c>interp bench serve --flood N</c> prints: answers by status, resident memory before / peak / after, the managed heap.</summary>
public static class BenchServeFloodOutput
{
    public static void Write(ServerFloodResult r, bool asJson)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (asJson)
        {
            JsonOutput.Write(writer =>
            {
                writer.WriteString("run", r.Run);
                writer.WriteString("source", r.Source);
                writer.WriteNumber("requests", r.Requests);
                writer.WriteNumber("concurrency", r.Concurrency);
                writer.WriteStartObject("statuses");
                foreach (var (status, count) in r.Statuses) writer.WriteNumber(status.ToString(CultureInfo.InvariantCulture), count);
                writer.WriteEndObject();
                writer.WriteNumber("seconds", Math.Round(r.Seconds, 3));
                writer.WriteNumber("resident_before_mb", Mb(r.ResidentBefore));
                writer.WriteNumber("resident_peak_mb", Mb(r.ResidentPeak));
                writer.WriteNumber("resident_after_mb", Mb(r.ResidentAfter));
                writer.WriteNumber("managed_before_mb", Mb(r.ManagedBefore));
                writer.WriteNumber("managed_after_mb", Mb(r.ManagedAfter));
                writer.WriteBoolean("server_gc", r.ServerGc);
            });
            return;
        }
        Console.WriteLine($"{r.Requests} GETs of {r.Source} unit pages (run {r.Run}), {r.Concurrency} at a time, in {r.Seconds:F1} s " +
                          $"({r.Requests / Math.Max(r.Seconds, 1e-9):F0}/s); {(r.ServerGc ? "server" : "workstation")} GC");
        Console.WriteLine("  answers        " + string.Join(", ", r.Statuses.Select(s => $"{(s.Key == 0 ? "none" : s.Key.ToString(CultureInfo.InvariantCulture))}: {s.Value}")));
        Console.WriteLine($"  resident MB    before {Mb(r.ResidentBefore),7:F0}   peak {Mb(r.ResidentPeak),7:F0}   after settling {Mb(r.ResidentAfter),7:F0}   (growth {Mb(r.ResidentAfter - r.ResidentBefore):F0})");
        Console.WriteLine($"  managed MB     before {Mb(r.ManagedBefore),7:F0}   after {Mb(r.ManagedAfter),7:F0}   (after a full collection)");
    }

    private static double Mb(long bytes) => Math.Round(bytes / 1e6, 1);
}
