using System.Runtime.InteropServices;

namespace Interp.Model;

/// <summary>
/// glibc returns every block over its mmap threshold to the kernel on free, so a loop that allocates the same large
/// tensors each step pays page faults and zeroing every time (a GPT-2 forward's logits are 206 MB at 8 × 128 tokens;
/// an SAE step's pre-activations 268 MB at batch 4096 × d_sae 16,384). On the virtual machines this was measured on,
/// that doubled an SAE step and dominated the small default model's forward.
/// </summary>
public static class NativeMemory
{
    private const int MTrimThreshold = -1, MMmapThreshold = -3, MMmapMax = -4;
    private static int _tuned, _keepLarge;

    /// <summary>
    /// Raises the mmap threshold to its maximum (32 MB) and never trims, so freed blocks below it are reused.
    /// Idempotent; a no-op where glibc is absent.
    /// </summary>
    public static void TuneAllocator()
    {
        if (Interlocked.Exchange(ref _tuned, 1) == 1) return;
        TryMallopt(MMmapThreshold, 32 * 1024 * 1024);
        TryMallopt(MTrimThreshold, int.MaxValue);
    }

    /// <summary>
    /// <see cref="TuneAllocator"/>, and also no mmap at all for malloc (<c>M_MMAP_MAX = 0</c>), so blocks above 32 MB stay
    /// in the heap for the next step too. The process then keeps its peak native memory until it exits: meant for
    /// processes that loop over same-sized batches (training, harvesting, benchmarks). <c>INTERP_MALLOC_MMAP=1</c> leaves
    /// mmap on, for comparison.
    /// </summary>
    public static void KeepLargeBlocks()
    {
        TuneAllocator();
        if (Interlocked.Exchange(ref _keepLarge, 1) == 1 || Environment.GetEnvironmentVariable("INTERP_MALLOC_MMAP") == "1") return;
        TryMallopt(MMmapMax, 0);
    }

    private static void TryMallopt(int parameter, int value)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(parameter, value);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl or another libc: keep its defaults.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
