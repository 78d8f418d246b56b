using System.Text.Json.Serialization;

namespace Interp.AutoInterp.Explain;

/// <summary>
/// One branch of a pattern trie: the unit fires on a token matching <see cref="Token"/> when the tokens just before it
/// match <see cref="Context"/> (oldest first; empty for any context). <see cref="Value"/> is the mean activation, as a
/// fraction of the unit's max, where the rule matched in the records it was learnt from; <see cref="Support"/> is how
/// many firing tokens it matched and <see cref="Precision"/> the share of its matches that fired.
/// </summary>
public sealed record PatternRule(IReadOnlyList<TokenMatcher> Context, TokenMatcher Token, double Value, int Support, double Precision)
{
    /// <summary>Longer contexts, then narrower matchers, are more specific; the most specific matching rule decides.</summary>
    [JsonIgnore]
    public int Specificity
    {
        get
        {
            var s = Context.Count * 8 + Token.Exactness;
            foreach (var m in Context) s += m.Exactness;
            return s;
        }
    }

    /// <summary>Readable form: <c>" the" after "of" (any case)</c>; a longer context reads oldest first: <c>X after "A", then "B"</c>.</summary>
    public string Describe() =>
        Context.Count == 0 ? Token.Describe() : $"{Token.Describe()} after {string.Join(", then ", Context.Select(c => c.Describe()))}";
}
