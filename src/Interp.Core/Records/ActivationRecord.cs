namespace Interp.Core.Records;

/// <summary>
/// One window of text with a unit's activation at every token: what explainers read, simulators predict and the web UI
/// colours. <see cref="Context"/> and <see cref="Start"/> locate the window in the activation store (context index,
/// first position), or are -1 and 0 for text that did not come from a store.
/// </summary>
public sealed record ActivationRecord(int[] TokenIds, string[] Tokens, float[] Activations, long Context = -1, int Start = 0)
{
    /// <summary>Largest activation in the window (0 for an empty window).</summary>
    public float Max => Activations.Length == 0 ? 0f : Activations.Max();

    /// <summary>Position of the largest activation within the window.</summary>
    public int ArgMax => Activations.Length == 0 ? -1 : Array.IndexOf(Activations, Max);
}
