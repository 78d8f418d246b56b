namespace Interp.Web.Live;

/// <summary>
/// The result of a live request as plain arrays: the tokens, the most active units and their activation at every token
/// (row-major <c>[token, unit]</c>), and the focus unit's activation per token.
/// </summary>
/// <param name="Source">What the units are: the hook, or <c>sae:</c> and the SAE's hook.</param>
/// <param name="Tokens">Token strings (text, never markup).</param>
/// <param name="TokenIds">Token ids.</param>
/// <param name="Width">Units the source has.</param>
/// <param name="Units">The heatmap's units, most active first.</param>
/// <param name="Values">Activations, <c>Values[t * Units.Length + u]</c>.</param>
/// <param name="FocusUnit">The unit of <paramref name="FocusValues"/>.</param>
/// <param name="FocusValues">Its activation at each token.</param>
/// <param name="Truncated">The text was longer than the token limit and was cut.</param>
public sealed record LiveActivations(string Source, string[] Tokens, int[] TokenIds, int Width, int[] Units, float[] Values,
    int FocusUnit, float[] FocusValues, bool Truncated)
{
    /// <summary>Activation of heatmap unit column <paramref name="u"/> at token <paramref name="t"/>.</summary>
    public float At(int t, int u) => Values[t * Units.Length + u];

    /// <summary>The heatmap as rows (one per token) for charting.</summary>
    public float[][] Rows() => Enumerable.Range(0, Tokens.Length).Select(t => Values.AsSpan(t * Units.Length, Units.Length).ToArray()).ToArray();
}
