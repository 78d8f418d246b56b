namespace Interp.Web.Units;

/// <summary>One unit in a list: the records store's summary row joined with its autointerp result, when there is one.</summary>
/// <param name="Index">Unit index within its source.</param>
/// <param name="MaxActivation">Largest activation seen.</param>
/// <param name="MeanActivation">Mean activation over all tokens.</param>
/// <param name="Density">Fraction of tokens with activation &gt; 0.</param>
/// <param name="ActiveTokens">Tokens with activation &gt; 0.</param>
/// <param name="TopToken">Token at the peak of the top window.</param>
/// <param name="TopLogit">Token the unit promotes most.</param>
/// <param name="Explanation">The explanation, when the unit was explained.</param>
/// <param name="Score">The simulation correlation score (OpenAI's), when defined.</param>
/// <param name="Failed">The autointerp run failed on this unit.</param>
public sealed record UnitRow(int Index, float MaxActivation, double MeanActivation, double Density, long ActiveTokens,
    string? TopToken, string? TopLogit, string? Explanation, double? Score, bool Failed)
{
    /// <summary>Never active over the records' tokens.</summary>
    public bool Dead => ActiveTokens == 0;

    /// <summary>Has an explanation.</summary>
    public bool Explained => !string.IsNullOrEmpty(Explanation) && !Failed;
}
