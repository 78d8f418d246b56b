using System.Text.RegularExpressions;
using Interp.AutoInterp.Explain;

namespace Interp.AutoInterp.Simulate;

/// <summary>
/// Reads a crude pattern from a free-text explanation: every quoted string ("…" or '…' or “…”) becomes a word rule
/// with full value. Null when the text quotes nothing.
/// </summary>
public static partial class PatternFromText
{
    [GeneratedRegex("\"([^\"]{1,40})\"|“([^”]{1,40})”|(?<![A-Za-z])'([^']{1,40})'(?![A-Za-z])")]
    private static partial Regex Quoted();

    /// <summary>The pattern, or null.</summary>
    public static TokenPattern? Read(string text)
    {
        var rules = new List<PatternRule>();
        foreach (Match m in Quoted().Matches(text))
        {
            var quoted = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value;
            var word = TokenForms.Word(quoted);
            if (word.Length == 0 || rules.Any(r => r.Token.Value == word)) continue;
            rules.Add(new PatternRule([], new TokenMatcher(MatchKind.Word, word), 1.0, 0, 1.0));
        }
        return rules.Count == 0 ? null : new TokenPattern(rules);
    }
}
