using System.Runtime.InteropServices;

namespace Interp.Model;

/// <summary>
/// glibc returns every block over its mmap threshold to the kernel on free, so a loop that allocates the same large
/// tensors each step pays page faults and zeroing every time. Raising the threshold to its maximum (32 MB) and never
/// trimming keeps freed blocks for reuse.
/// </summary>
public static class NativeMemory
{
    private const int MTrimThreshold = -1, MMmapThreshold = -3;
    private static int _tuned;

    /// <summary>Idempotent; a no-op where glibc is absent.</summary>
    public static void TuneAllocator()
    {
        if (Interlocked.Exchange(ref _tuned, 1) == 1 || !OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(MMmapThreshold, 32 * 1024 * 1024);
            mallopt(MTrimThreshold, int.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl or another libc: keep its defaults.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
