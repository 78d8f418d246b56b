using System.Runtime.InteropServices;

namespace Interp.Sae;

/// <summary>
/// SAE training allocates tensors far above glibc's largest mmap threshold (32 MB) every step: pre-activations and
/// their gradient are <c>[batch, d_sae]</c>, 268 MB at batch 4096 × d_sae 16,384. Each such block is mmap'd fresh and
/// unmapped on free, so every step pays its page faults again, which doubles a step's time on the virtual machines
/// this was measured on. <see cref="KeepLargeBlocks"/> turns mmap off for malloc (<c>M_MMAP_MAX = 0</c>) on top of
/// <see cref="Interp.Model.NativeMemory.TuneAllocator"/> (no trimming), so freed blocks stay in the heap for the
/// next step. The process keeps its peak native memory until it exits: meant for processes that train.
/// </summary>
internal static class SaeNativeMemory
{
    private const int MMmapMax = -4;
    private static int _done;

    /// <summary>Idempotent; a no-op where glibc is absent. <c>INTERP_MALLOC_MMAP=1</c> leaves mmap on (for comparison).</summary>
    public static void KeepLargeBlocks()
    {
        Interp.Model.NativeMemory.TuneAllocator();
        if (Interlocked.Exchange(ref _done, 1) == 1 || !OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("INTERP_MALLOC_MMAP") == "1") return;
        try
        {
            mallopt(MMmapMax, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl or another libc: keep its defaults.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
