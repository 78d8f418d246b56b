namespace Interp.AutoInterp.Explain;

/// <summary>Settings of the offline pattern explainer.</summary>
/// <param name="MaxContext">Preceding tokens a rule may require (the trie's depth below the firing token).</param>
/// <param name="FireThreshold">A token "fires" at this fraction of the max (delphi's 0.3); rules are grown from firing tokens.</param>
/// <param name="MinGainFraction">A rule is kept only if it removes at least this share of the squared error of predicting 0 everywhere.</param>
/// <param name="MaxRules">At most this many rules.</param>
/// <param name="MinValue">Rules whose mean activation is below this fraction of the max are not considered.</param>
public sealed record PatternExplainerOptions(
    int MaxContext = 3,
    double FireThreshold = 0.3,
    double MinGainFraction = 0.02,
    int MaxRules = 12,
    double MinValue = 0.1);
