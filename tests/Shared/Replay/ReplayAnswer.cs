using Interp.AutoInterp.Llm;

namespace Interp.Tests.Shared;

/// <summary>What the <see cref="ReplayServer"/> answers to one request.</summary>
public abstract record ReplayAnswer
{
    private ReplayAnswer() { }

    /// <summary>
    /// A chat completion with <paramref name="Content"/>. When the request asked for log-probabilities, the content is
    /// cut into tokens (digit runs, letter runs, single other characters) and each token gets the alternatives
    /// <paramref name="Alternatives"/> returns for it (null: the token alone, probability 1). With
    /// <paramref name="WithoutLogProbs"/> none are sent even when asked for (as servers that do not support them). With
    /// <paramref name="SplitDigits"/> every digit is a token of its own (as tokenizers that write "10" as "1", "0"), and
    /// <paramref name="AlternativesAfter"/>, when given, is asked instead of <paramref name="Alternatives"/> with the
    /// previous token (null for the first) and the token.
    /// </summary>
    public sealed record Chat(string Content, Func<string, IReadOnlyList<TopLogProb>?>? Alternatives = null, bool WithoutLogProbs = false,
        bool SplitDigits = false, Func<string?, string, IReadOnlyList<TopLogProb>?>? AlternativesAfter = null) : ReplayAnswer;

    /// <summary>An HTTP error status, with a <c>Retry-After</c> header when <paramref name="RetryAfter"/> is set.</summary>
    public sealed record Status(int Code, string? RetryAfter = null) : ReplayAnswer;

    /// <summary>No answer for <paramref name="Duration"/> (past the client's timeout), then a 200 with <paramref name="Then"/>'s content.</summary>
    public sealed record Hang(TimeSpan Duration, string Then = "late") : ReplayAnswer;

    /// <summary>A raw body (e.g. JSON that is not a chat completion) with status <paramref name="Code"/>.</summary>
    public sealed record Raw(string Body, int Code = 200) : ReplayAnswer;
}
