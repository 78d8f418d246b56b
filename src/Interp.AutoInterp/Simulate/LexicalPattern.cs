using System.Text.RegularExpressions;
using Interp.AutoInterp.Explain;

namespace Interp.AutoInterp.Simulate;

/// <summary>
/// The lexical baseline's reading of a free-text explanation: the tokens it names. Quoted strings when it quotes any
/// (<see cref="PatternFromText"/>); otherwise each content word of the text (stop words and words about units and
/// tokens left out). Each becomes a rule that fires fully on a token whose word form (trimmed, lower-cased) is that
/// word. It knows no synonyms, stems, classes or context: "days of the week" predicts nothing on " Tuesday".
/// </summary>
public static partial class LexicalPattern
{
    /// <summary>Most words read from one explanation.</summary>
    public const int MaxWords = 24;

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['’][\p{L}]+)?")]
    private static partial Regex Word();

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "of", "to", "in", "on", "at", "for", "and", "or", "but", "nor", "is", "are", "was", "were", "be",
        "been", "being", "it", "its", "this", "that", "these", "those", "with", "as", "by", "from", "about", "into", "than",
        "then", "there", "their", "they", "them", "he", "she", "his", "her", "we", "you", "your", "i", "not", "no", "any",
        "some", "all", "each", "every", "other", "such", "also", "only", "very", "more", "most", "much", "many", "can",
        "could", "would", "should", "will", "may", "might", "do", "does", "did", "has", "have", "had", "which", "who",
        "whom", "whose", "what", "when", "where", "why", "how", "if", "so", "up", "out", "s", "e", "g", "eg", "ie", "etc",
        "token", "tokens", "word", "words", "text", "phrase", "phrases", "fires", "fire", "firing", "activates", "activate",
        "activating", "activation", "active", "mentions", "mention", "mentioning", "references", "reference", "related",
        "relating", "like", "including", "include", "includes", "especially", "particularly", "usually", "often", "mostly",
        "mainly", "typically", "context", "contexts", "following", "followed", "preceding", "before", "after", "unit",
        "neuron", "feature", "latent", "pattern", "patterns", "find", "finds", "main", "thing", "concept", "concepts",
        "moderately", "weakly", "strongly", "various", "different", "certain", "specific", "terms", "term", "usage", "use",
        "used", "using", "part", "parts", "form", "forms", "kind", "kinds", "type", "types",
    };

    /// <summary>The tokens <paramref name="text"/> names, as a pattern (no rules when it names none).</summary>
    public static TokenPattern Read(string text)
    {
        if (PatternFromText.Read(text) is { } quoted) return quoted;
        var rules = new List<PatternRule>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Word().Matches(text))
        {
            var word = TokenForms.Word(m.Value);
            if (StopWords.Contains(word) || !seen.Add(word)) continue;
            rules.Add(new PatternRule([], new TokenMatcher(MatchKind.Word, word), 1.0, 0, 1.0));
            if (rules.Count == MaxWords) break;
        }
        return new TokenPattern(rules);
    }
}
