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
/// <param name="SourceScores">Best correlation of the unit's explanations scored by <c>interp score</c>, by source (none when null).</param>
public sealed record UnitRow(int Index, float MaxActivation, double MeanActivation, double Density, long ActiveTokens,
    string? TopToken, string? TopLogit, string? Explanation, double? Score, bool Failed, IReadOnlyDictionary<string, double>? SourceScores = null)
{
    /// <summary>The best defined correlation over autointerp's explanation and every scored one, or null.</summary>
    public double? BestScore =>
        new[] { Score }.Concat(SourceScores?.Values.Select(v => (double?)v) ?? [])
            .Where(v => v is { } x && double.IsFinite(x)).Max();

    /// <summary>The best correlation of the explanations from <paramref name="source"/>, or null.</summary>
    public double? ScoreOf(string? source) =>
        source is not null && SourceScores is not null && SourceScores.TryGetValue(source, out var v) ? v : null;

    /// <summary>Never active over the records' tokens.</summary>
    public bool Dead => ActiveTokens == 0;

    /// <summary>Has an explanation.</summary>
    public bool Explained => !string.IsNullOrEmpty(Explanation) && !Failed;
}
