namespace Interp.AutoInterp.Score;

/// <summary>A seed from a string that is the same in every process (FNV-1a), so that random choices repeat across re-runs.</summary>
public static class StableSeed
{
    /// <summary>The seed of <paramref name="text"/>.</summary>
    public static int Of(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        return (int)(hash & 0x7FFFFFFF);
    }
}
