namespace Interp.Core;

/// <summary>Writes files so that a reader never sees a half-written one: write to a temporary name, then rename.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));

    /// <summary>
    /// Calls <paramref name="write"/> with a temporary path beside <paramref name="path"/>, then renames it into place.
    /// A symlink at <paramref name="path"/> is written through (its final target gets the content, the link stays);
    /// a folder, fifo, device or socket there is refused (<see cref="OutputPath.ForFile"/>).
    /// </summary>
    public static void Write(string path, Action<string> write)
    {
        var target = OutputPath.ForFile(path);
        var tmp = TemporaryPath(target);
        try
        {
            write(tmp);
            File.Move(tmp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static long _next;

    /// <summary>
    /// A temporary name beside <paramref name="path"/> that no other process, and no other call in this one, uses:
    /// <c>path.PID-N.tmp</c>.
    /// </summary>
    public static string TemporaryPath(string path) => $"{path}.{Environment.ProcessId}-{Interlocked.Increment(ref _next)}.tmp";
}
