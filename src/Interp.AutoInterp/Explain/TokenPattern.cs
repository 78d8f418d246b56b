namespace Interp.AutoInterp.Explain;

/// <summary>
/// The offline explainer's machine-usable explanation (an N2G-style pattern): rules over a token and up to a few
/// tokens before it. Applied to text, the most specific matching rule gives each token's predicted activation
/// (<see cref="PatternRule.Value"/> × 10 on the 0–10 scale); tokens no rule matches get 0.
/// </summary>
public sealed record TokenPattern(IReadOnlyList<PatternRule> Rules)
{
    /// <summary>The readable sentence: <c>fires on " the" after "of"; moderately on a number</c>.</summary>
    public string Describe()
    {
        if (Rules.Count == 0) return "fires on no token pattern that could be found";
        var parts = Rules.Select(r => r.Value switch
        {
            >= 0.6 => r.Describe(),
            >= 0.3 => "moderately on " + r.Describe(),
            _ => "weakly on " + r.Describe(),
        });
        return "fires on " + string.Join("; ", parts);
    }
}
