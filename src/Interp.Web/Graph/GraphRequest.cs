namespace Interp.Web.Graph;

/// <summary>An attribution graph request: a prompt and a run's transcoders, one per layer in layer order.</summary>
/// <param name="Prompt">The prompt (a BOS is put before it, as everywhere else by default).</param>
/// <param name="Transcoders">The transcoder folders, layer 0 first.</param>
/// <param name="MaxTokens">Most prompt tokens accepted (a longer prompt is refused, not cut: the graph would lie about it).</param>
public sealed record GraphRequest(string Prompt, IReadOnlyList<string> Transcoders, int MaxTokens);
