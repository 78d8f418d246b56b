using Interp.AutoInterp.Explain;

namespace Interp.AutoInterp.Simulate;

/// <summary>
/// A <see cref="TokenPattern"/> indexed by the current token's exact, word and class forms, so that applying it costs a
/// few dictionary look-ups a token.
/// </summary>
public sealed class CompiledPattern
{
    private readonly Dictionary<string, List<PatternRule>> _exact = [], _word = [], _class = [];

    /// <summary>Indexes <paramref name="pattern"/>.</summary>
    public CompiledPattern(TokenPattern pattern)
    {
        foreach (var rule in pattern.Rules)
        {
            var index = rule.Token.Kind switch { MatchKind.Exact => _exact, MatchKind.Word => _word, _ => _class };
            if (!index.TryGetValue(rule.Token.Value, out var list)) index[rule.Token.Value] = list = [];
            list.Add(rule);
        }
    }

    /// <summary>Predicted activation per token on the 0–10 scale: 10 × the value of the most specific matching rule.</summary>
    public float[] Predict(IReadOnlyList<string> tokens)
    {
        var n = tokens.Count;
        var words = new string[n];
        var classes = new string?[n];
        for (var i = 0; i < n; i++)
        {
            words[i] = TokenForms.Word(tokens[i]);
            classes[i] = TokenForms.Class(tokens[i]);
        }
        var predicted = new float[n];
        for (var i = 0; i < n; i++)
        {
            PatternRule? best = null;
            Consider(_exact, tokens[i], tokens, words, classes, i, ref best);
            Consider(_word, words[i], tokens, words, classes, i, ref best);
            if (classes[i] is { } cls) Consider(_class, cls, tokens, words, classes, i, ref best);
            if (best is not null) predicted[i] = (float)(10 * best.Value);
        }
        return predicted;
    }

    private static void Consider(Dictionary<string, List<PatternRule>> index, string key, IReadOnlyList<string> tokens, string[] words, string?[] classes, int i, ref PatternRule? best)
    {
        if (!index.TryGetValue(key, out var rules)) return;
        foreach (var rule in rules)
        {
            var k = rule.Context.Count;
            if (i < k) continue;
            var ok = true;
            for (var j = 1; j <= k && ok; j++)
            {
                var m = rule.Context[k - j];
                var q = i - j;
                ok = m.Kind switch
                {
                    MatchKind.Exact => tokens[q] == m.Value,
                    MatchKind.Word => words[q] == m.Value,
                    _ => classes[q] == m.Value,
                };
            }
            if (!ok) continue;
            if (best is null || rule.Specificity > best.Specificity || (rule.Specificity == best.Specificity && rule.Value > best.Value))
                best = rule;
        }
    }
}
