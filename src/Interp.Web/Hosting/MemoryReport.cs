using System.Globalization;

namespace Interp.Web.Hosting;

/// <summary>
/// The server's memory in one line, for <c>interp serve --log-memory</c> (and the load test, which reads it to tell
/// whether memory stays flat): the managed heap after a full collection, so that garbage not yet collected does not
/// count, and the process's working set (managed heap, libtorch's native memory, code).
/// </summary>
public static class MemoryReport
{
    /// <summary>The line's start.</summary>
    public const string Prefix = "memory: ";

    /// <summary>Collects, then measures: <c>memory: managed 41.2 MB, working set 233.0 MB</c>.</summary>
    public static string Line()
    {
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}managed {managed / 1e6:F1} MB, working set {Environment.WorkingSet / 1e6:F1} MB");
    }
}
