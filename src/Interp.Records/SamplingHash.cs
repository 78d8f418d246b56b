namespace Interp.Records;

/// <summary>
/// Deterministic pseudo-random numbers for sampling: SplitMix64 of (seed, stream, unit, context). Each draw depends only
/// on its arguments, so a unit's records are the same whatever order contexts arrive in and whichever units share a pass.
/// </summary>
internal static class SamplingHash
{
    /// <summary>Which decision a number is for (each gets an independent stream).</summary>
    public enum Stream
    {
        Random = 1,
        RandomActivating = 2,
        Band = 3,
        NonActivating = 4,
        RandomStart = 5,
        NonActivatingRotation = 6,
    }

    /// <summary>A 64-bit number for (seed, stream, unit, context).</summary>
    public static ulong Of(int seed, Stream stream, int unit, long context) =>
        Mix(Mix(Mix(unchecked((ulong)(uint)seed * 0x100000001B3UL + (ulong)stream)) ^ (uint)unit) ^ unchecked((ulong)context));

    /// <summary>SplitMix64's finaliser.</summary>
    public static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
