using System.Text.Json.Serialization;

namespace Interp.AutoInterp.Explain;

/// <summary>How a <see cref="TokenMatcher"/> compares a token.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MatchKind>))]
public enum MatchKind
{
    /// <summary>The token string exactly (leading space included).</summary>
    Exact,
    /// <summary>The token's <see cref="TokenForms.Word"/> form: trimmed, lower-cased.</summary>
    Word,
    /// <summary>The token's <see cref="TokenForms.Class"/>.</summary>
    Class,
}

/// <summary>One element of a pattern rule: a token, a word, or a class of tokens.</summary>
public readonly record struct TokenMatcher(MatchKind Kind, string Value)
{
    /// <summary>Whether <paramref name="token"/> matches.</summary>
    public bool Matches(string token) => Kind switch
    {
        MatchKind.Exact => token == Value,
        MatchKind.Word => TokenForms.Word(token) == Value,
        _ => TokenForms.Class(token) == Value,
    };

    /// <summary>2 for exact, 1 for a word, 0 for a class: how narrow the matcher is.</summary>
    [JsonIgnore]
    public int Exactness => Kind switch { MatchKind.Exact => 2, MatchKind.Word => 1, _ => 0 };

    /// <summary>Readable form: <c>" the"</c>, <c>"the" (any case)</c>, <c>"," (any spacing)</c>, <c>a number</c>.</summary>
    public string Describe() => Kind switch
    {
        MatchKind.Exact => Quote(Value),
        MatchKind.Word => Value.Any(char.IsLetter) ? $"{Quote(Value)} (any case)" : $"{Quote(Value)} (any spacing)",
        _ => Value switch
        {
            TokenForms.Number => "a number",
            TokenForms.Punctuation => "punctuation",
            TokenForms.LineBreak => "a line break",
            TokenForms.Capitalised => "a capitalised word",
            _ => Value,
        },
    };

    private static string Quote(string token) => "\"" + token.Replace("\n", "\\n").Replace("\t", "\\t").Replace("\"", "\\\"") + "\"";
}
