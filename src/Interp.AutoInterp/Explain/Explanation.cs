namespace Interp.AutoInterp.Explain;

/// <summary>
/// What an explainer says a unit does: a readable <see cref="Text"/> and, from the offline explainer, the
/// machine-usable <see cref="Pattern"/> the text was written from (null for an LLM's explanation).
/// </summary>
public sealed record Explanation(string Text, TokenPattern? Pattern = null);
