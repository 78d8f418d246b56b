namespace Interp.Web.Live;

/// <summary>A live inference request: text, and where to read units — a hook's neurons, or the latents of an SAE folder.</summary>
/// <param name="Text">The text to run.</param>
/// <param name="Hook">The hook whose neurons to show (ignored when <paramref name="SaeFolder"/> is set).</param>
/// <param name="SaeFolder">An SAE folder whose latents to show, or null.</param>
/// <param name="TopUnits">Columns of the heatmap: the units with the largest activation on this text.</param>
/// <param name="FocusUnit">The unit whose per-token activation colours the text; null: the most active one.</param>
/// <param name="MaxTokens">Tokens run at most (the rest is cut off).</param>
public sealed record LiveRequest(string Text, string Hook, string? SaeFolder, int TopUnits, int? FocusUnit, int MaxTokens);
