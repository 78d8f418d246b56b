using System.Globalization;

namespace Interp.Web.Benchmarks;

/// <summary>
/// A process's resident memory from Linux's <c>/proc/PID/status</c> (<c>VmRSS</c>). Null elsewhere, or when the
/// process is gone. Peaks are found by sampling it: <c>VmHWM</c> would include the start-up.
/// </summary>
public static class ProcessMemory
{
    /// <summary>Resident bytes of process <paramref name="pid"/> (this process when null), or null when unknown.</summary>
    public static long? Resident(int? pid = null) => Field(pid, "VmRSS:");

    private static long? Field(int? pid, string name)
    {
        var path = $"/proc/{(pid is { } p ? p.ToString(CultureInfo.InvariantCulture) : "self")}/status";
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith(name, StringComparison.Ordinal)) continue;
                var kilobytes = line[name.Length..].Trim().Split(' ')[0];   // "  123456 kB"
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }
}
