using System.Text;
using Interp.AutoInterp.Explain;

namespace Interp.AutoInterp.Simulate;

/// <summary>
/// Reads back the sentences the offline explainer writes (<see cref="TokenPattern.Describe"/>), so an Interp-pattern
/// explanation from a file — or one written by hand in the same words — is simulated as a pattern:
/// <c>fires on RULE; moderately on RULE; weakly on RULE</c>, a rule being <c>MATCHER [after MATCHER[, then MATCHER…]]</c>
/// and a matcher <c>" the"</c> (exactly), <c>"the" (any case)</c> / <c>"," (any spacing)</c> (as a word), <c>a number</c>,
/// <c>punctuation</c>, <c>a line break</c> or <c>a capitalised word</c>. The sentence keeps only the strength of each rule,
/// so rules read back with a nominal value per strength (1, 0.45, 0.15); a pattern that travels with the explanation
/// (Interp's exports) keeps the exact values. Null for any other text.
/// </summary>
public static class PatternGrammar
{
    private const string Start = "fires on ";
    private const string Nothing = "fires on no token pattern that could be found";

    /// <summary>The value a rule reads back with, by the word before it.</summary>
    public const double Strong = 1.0, Moderate = 0.45, Weak = 0.15;

    /// <summary>The pattern <paramref name="text"/> describes, or null when it is not in the grammar.</summary>
    public static TokenPattern? Parse(string text)
    {
        text = text.Trim();
        if (text == Nothing) return new TokenPattern([]);
        if (!text.StartsWith(Start, StringComparison.Ordinal)) return null;
        var reader = new Reader(text, Start.Length);
        var rules = new List<PatternRule>();
        while (true)
        {
            var value = reader.Skip("moderately on ") ? Moderate : reader.Skip("weakly on ") ? Weak : Strong;
            if (reader.Matcher() is not { } token) return null;
            var context = new List<TokenMatcher>();
            if (reader.Skip(" after "))
            {
                do
                {
                    if (reader.Matcher() is not { } m) return null;
                    context.Add(m);
                }
                while (reader.Skip(", then "));
            }
            rules.Add(new PatternRule(context, token, value, 0, 1));
            if (reader.AtEnd) return new TokenPattern(rules);
            if (!reader.Skip("; ")) return null;
        }
    }

    private sealed class Reader(string text, int at)
    {
        public bool AtEnd => at == text.Length;

        public bool Skip(string literal)
        {
            if (string.CompareOrdinal(text, at, literal, 0, literal.Length) != 0) return false;
            at += literal.Length;
            return true;
        }

        public TokenMatcher? Matcher()
        {
            foreach (var (words, cls) in Classes)
                if (Skip(words)) return new TokenMatcher(MatchKind.Class, cls);
            if (Quoted() is not { } token) return null;
            return Skip(" (any case)") || Skip(" (any spacing)") ? new TokenMatcher(MatchKind.Word, token) : new TokenMatcher(MatchKind.Exact, token);
        }

        /// <summary>A quoted token with <see cref="TokenMatcher.Describe"/>'s escapes (\n, \t, \").</summary>
        private string? Quoted()
        {
            if (!Skip("\"")) return null;
            var token = new StringBuilder();
            while (at < text.Length)
            {
                var c = text[at++];
                if (c == '"') return token.ToString();
                if (c == '\\' && at < text.Length && text[at] is 'n' or 't' or '"')
                {
                    token.Append(text[at++] switch { 'n' => '\n', 't' => '\t', _ => '"' });
                    continue;
                }
                token.Append(c);
            }
            return null;
        }

        private static readonly (string Words, string Class)[] Classes =
        [
            ("a number", TokenForms.Number), ("punctuation", TokenForms.Punctuation), ("a line break", TokenForms.LineBreak),
            ("a capitalised word", TokenForms.Capitalised),
        ];
    }
}
