using System.Diagnostics;

namespace Interp.Tests.Shared;

/// <summary>A child process run to its end while its peak resident memory (VmHWM, from /proc) is read.</summary>
public static class ProcessPeak
{
    /// <summary>What the process did and the most memory it held.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr, long PeakBytes);

    /// <summary>
    /// Runs the process to its end, reading its peak resident set from /proc as it runs; kills it once the peak passes
    /// <paramref name="killAbove"/> (so that a blow-up ends the test early) or the time runs out.
    /// </summary>
    public static Result Run(ProcessStartInfo start, long killAbove, int timeoutSeconds)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var status = $"/proc/{process.Id}/status";
        long peak = 0;
        var clock = Stopwatch.StartNew();
        while (!process.WaitForExit(20))
        {
            peak = Math.Max(peak, PeakResidentBytes(status));
            if (peak > killAbove || clock.Elapsed.TotalSeconds > timeoutSeconds)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                break;
            }
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result, peak);
    }

    /// <summary>VmHWM of a /proc status file, in bytes; 0 once the process is gone.</summary>
    private static long PeakResidentBytes(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
