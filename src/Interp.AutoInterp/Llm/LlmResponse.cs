using System.Text.Json.Serialization;

namespace Interp.AutoInterp.Llm;

/// <summary>
/// A chat completion's answer: its text, the log-probabilities of its tokens when asked for and given (null when the
/// endpoint returned none), and the tokens the request cost. <see cref="FromCache"/> is true when no request was made.
/// </summary>
public sealed record LlmResponse(string Text, IReadOnlyList<TokenLogProb>? LogProbs, long InputTokens, long OutputTokens)
{
    /// <summary>True when the answer came from the response cache.</summary>
    [JsonIgnore]
    public bool FromCache { get; init; }
}

/// <summary>A generated token, its log-probability, and the most likely alternatives at that position.</summary>
public sealed record TokenLogProb(string Token, double LogProb, IReadOnlyList<TopLogProb> Top);

/// <summary>An alternative token at a position and its log-probability.</summary>
public sealed record TopLogProb(string Token, double LogProb);
