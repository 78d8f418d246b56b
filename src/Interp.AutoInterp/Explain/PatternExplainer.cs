using Interp.Core.Records;

namespace Interp.AutoInterp.Explain;

/// <summary>
/// The offline explainer, after Neuron to Graph (Foote et al., 2023): from the train-split top records it collects,
/// for every token where the unit fires, the token itself (exactly, as a word, as a class) and its contexts of up to
/// <see cref="PatternExplainerOptions.MaxContext"/> preceding tokens; every such key is a candidate branch of the
/// trie. Branches are then chosen greedily by how much squared error they remove from the prediction of the records'
/// activations (each branch predicts its mean activation where it is the most specific match), so a context is kept
/// only where it matters (<c>" the"</c> alone when the unit fires on every " the"; <c>" the" after "of"</c> when it
/// fires only there) and a class replaces its members when the class as a whole fires. Branches that no longer earn
/// their keep once the others are chosen are pruned. No LLM, no model: a few milliseconds a unit.
/// </summary>
public sealed class PatternExplainer(PatternExplainerOptions? options = null) : IExplainer
{
    private readonly PatternExplainerOptions _options = options ?? new PatternExplainerOptions();

    /// <inheritdoc />
    public string Name => "offline";

    /// <inheritdoc />
    public Task<Explanation> ExplainAsync(UnitRecord unit, IReadOnlyList<ActivationRecord> train, CancellationToken cancellationToken) =>
        Task.FromResult(Explain(train));

    /// <summary>The pattern learnt from <paramref name="records"/> and its sentence.</summary>
    public Explanation Explain(IReadOnlyList<ActivationRecord> records)
    {
        var pattern = Learn(records);
        return new Explanation(pattern.Describe(), pattern);
    }

    /// <summary>The pattern learnt from <paramref name="records"/>.</summary>
    public TokenPattern Learn(IReadOnlyList<ActivationRecord> records)
    {
        var max = Discretisation.MaxActivation(records);
        if (!(max > 0)) return new TokenPattern([]);
        var table = new PositionTable(records, max);
        var candidates = Candidates(table);
        var chosen = Choose(table, candidates);
        return new TokenPattern(chosen
            .OrderByDescending(c => c.Support * c.Value)
            .Select(c => table.ToRule(c))
            .ToList());
    }

    private List<Candidate> Candidates(PositionTable table)
    {
        var keys = new HashSet<Key>();
        Span<int> current = stackalloc int[3];
        for (var p = 0; p < table.Count; p++)
        {
            if (table.Act[p] < _options.FireThreshold) continue;
            var currentCount = table.CurrentCodes(p, current);
            var depth = Math.Min(_options.MaxContext, table.Offset[p]);
            for (var c = 0; c < currentCount; c++)
                AddContexts(table, keys, new Key(current[c], -1, -1, -1, 0), p, depth);
        }

        var list = new List<Candidate>(keys.Count);
        var matched = new List<int>();
        foreach (var key in keys)
        {
            matched.Clear();
            double sum = 0;
            var fires = 0;
            foreach (var p in table.ByCurrent[key.M0])
            {
                if (!table.ContextMatches(key, p)) continue;
                matched.Add(p);
                sum += table.Act[p];
                if (table.Act[p] >= _options.FireThreshold) fires++;
            }
            if (matched.Count == 0) continue;
            var value = sum / matched.Count;
            if (value < _options.MinValue) continue;
            list.Add(new Candidate(key, [.. matched], value, fires, (double)fires / matched.Count, PositionTable.Specificity(key)));
        }
        return list;
    }

    private static void AddContexts(PositionTable table, HashSet<Key> keys, Key key, int p, int depth)
    {
        keys.Add(key);
        if (key.Length >= depth) return;
        var q = p - key.Length - 1;
        var word = PositionTable.Code(MatchKind.Word, table.WordId[q]);
        AddContexts(table, keys, key.With(word), p, depth);
        if (table.ClassId[q] >= 0)
            AddContexts(table, keys, key.With(PositionTable.Code(MatchKind.Class, table.ClassId[q])), p, depth);
    }

    private List<Candidate> Choose(PositionTable table, List<Candidate> candidates)
    {
        var n = table.Count;
        double sse0 = 0;
        for (var p = 0; p < n; p++) sse0 += table.Act[p] * table.Act[p];
        var minGain = Math.Max(_options.MinGainFraction * sse0, 1e-9);

        var chosen = new List<Candidate>();
        var prediction = new double[n];
        var specificity = new int[n];
        Array.Fill(specificity, -1);
        var used = new bool[candidates.Count];
        while (chosen.Count < _options.MaxRules)
        {
            var best = -1;
            var bestGain = minGain;
            for (var c = 0; c < candidates.Count; c++)
            {
                if (used[c]) continue;
                var gain = Gain(table, candidates[c], prediction, specificity);
                if (gain > bestGain || (gain == bestGain && best >= 0 && Simpler(candidates[c], candidates[best])))
                {
                    best = c;
                    bestGain = gain;
                }
            }
            if (best < 0) break;
            used[best] = true;
            var rule = candidates[best];
            chosen.Add(rule);
            foreach (var p in rule.Positions)
                if (Wins(rule, prediction[p], specificity[p]))
                {
                    prediction[p] = rule.Value;
                    specificity[p] = rule.Specificity;
                }
        }
        return Prune(table, chosen, minGain);
    }

    /// <summary>Drops rules whose removal costs less than <paramref name="minGain"/> once the others are in place.</summary>
    private static List<Candidate> Prune(PositionTable table, List<Candidate> chosen, double minGain)
    {
        var kept = new List<Candidate>(chosen);
        for (var r = kept.Count - 1; r >= 0 && kept.Count > 1; r--)
        {
            var rule = kept[r];
            double with = 0, without = 0;
            foreach (var p in rule.Positions)
            {
                var (predWith, _) = Predict(kept, p, skip: -1);
                var (predWithout, _) = Predict(kept, p, skip: r);
                var a = table.Act[p];
                with += (a - predWith) * (a - predWith);
                without += (a - predWithout) * (a - predWithout);
            }
            if (without - with < minGain) kept.RemoveAt(r);
        }
        return kept;
    }

    private static (double Value, int Specificity) Predict(List<Candidate> rules, int p, int skip)
    {
        double value = 0;
        var specificity = -1;
        for (var r = 0; r < rules.Count; r++)
        {
            if (r == skip || Array.BinarySearch(rules[r].Positions, p) < 0) continue;
            if (Wins(rules[r], value, specificity)) (value, specificity) = (rules[r].Value, rules[r].Specificity);
        }
        return (value, specificity);
    }

    private static double Gain(PositionTable table, Candidate c, double[] prediction, int[] specificity)
    {
        double gain = 0;
        foreach (var p in c.Positions)
        {
            if (!Wins(c, prediction[p], specificity[p])) continue;
            var a = table.Act[p];
            var before = a - prediction[p];
            var after = a - c.Value;
            gain += before * before - after * after;
        }
        return gain;
    }

    private static bool Wins(Candidate c, double value, int specificity) =>
        c.Specificity > specificity || (c.Specificity == specificity && c.Value > value);

    private static bool Simpler(Candidate a, Candidate b) => a.Key.Length < b.Key.Length || (a.Key.Length == b.Key.Length && a.Specificity < b.Specificity);

    /// <summary>A candidate branch: its key, the positions it matches (ascending), mean activation, support, precision.</summary>
    private sealed record Candidate(Key Key, int[] Positions, double Value, int Support, double Precision, int Specificity);

    /// <summary>A trie key: the current token's matcher code and up to three context codes (nearest first).</summary>
    internal readonly record struct Key(int M0, int C1, int C2, int C3, int Length)
    {
        public Key With(int code) => Length switch
        {
            0 => this with { C1 = code, Length = 1 },
            1 => this with { C2 = code, Length = 2 },
            _ => this with { C3 = code, Length = 3 },
        };

        public int Context(int j) => j switch { 1 => C1, 2 => C2, _ => C3 };
    }

    /// <summary>The records flattened: per position its activation (fraction of max) and interned token forms.</summary>
    private sealed class PositionTable
    {
        public readonly int Count;
        public readonly double[] Act;
        public readonly int[] Offset;
        public readonly int[] ExactId, WordId, ClassId;
        public readonly Dictionary<int, List<int>> ByCurrent = [];
        private readonly List<string> _exact = [], _word = [];
        private static readonly string[] Classes = [TokenForms.Number, TokenForms.Punctuation, TokenForms.LineBreak, TokenForms.Capitalised];

        public PositionTable(IReadOnlyList<ActivationRecord> records, float max)
        {
            Count = records.Sum(r => r.Tokens.Length);
            Act = new double[Count];
            Offset = new int[Count];
            ExactId = new int[Count];
            WordId = new int[Count];
            ClassId = new int[Count];
            var exactIds = new Dictionary<string, int>();
            var wordIds = new Dictionary<string, int>();
            var p = 0;
            foreach (var record in records)
            {
                for (var i = 0; i < record.Tokens.Length; i++, p++)
                {
                    var token = record.Tokens[i];
                    var a = i < record.Activations.Length ? record.Activations[i] : 0f;
                    Act[p] = a > 0 ? a / max : 0;
                    Offset[p] = i;
                    ExactId[p] = Intern(exactIds, _exact, token);
                    WordId[p] = Intern(wordIds, _word, TokenForms.Word(token));
                    ClassId[p] = TokenForms.Class(token) is { } cls ? Array.IndexOf(Classes, cls) : -1;
                    Index(Code(MatchKind.Exact, ExactId[p]), p);
                    Index(Code(MatchKind.Word, WordId[p]), p);
                    if (ClassId[p] >= 0) Index(Code(MatchKind.Class, ClassId[p]), p);
                }
            }
        }

        private static int Intern(Dictionary<string, int> ids, List<string> strings, string s)
        {
            if (ids.TryGetValue(s, out var id)) return id;
            ids[s] = strings.Count;
            strings.Add(s);
            return strings.Count - 1;
        }

        private void Index(int code, int p)
        {
            if (!ByCurrent.TryGetValue(code, out var list)) ByCurrent[code] = list = [];
            list.Add(p);
        }

        public static int Code(MatchKind kind, int id) => ((int)kind << 28) | id;

        private static MatchKind KindOf(int code) => (MatchKind)(code >>> 28);

        private static int IdOf(int code) => code & 0x0FFFFFFF;

        public int CurrentCodes(int p, Span<int> codes)
        {
            codes[0] = Code(MatchKind.Exact, ExactId[p]);
            codes[1] = Code(MatchKind.Word, WordId[p]);
            if (ClassId[p] < 0) return 2;
            codes[2] = Code(MatchKind.Class, ClassId[p]);
            return 3;
        }

        public bool ContextMatches(Key key, int p)
        {
            if (Offset[p] < key.Length) return false;
            for (var j = 1; j <= key.Length; j++)
            {
                var code = key.Context(j);
                var q = p - j;
                var ok = KindOf(code) switch
                {
                    MatchKind.Exact => ExactId[q] == IdOf(code),
                    MatchKind.Word => WordId[q] == IdOf(code),
                    _ => ClassId[q] == IdOf(code),
                };
                if (!ok) return false;
            }
            return true;
        }

        public static int Specificity(Key key)
        {
            var s = key.Length * 8 + Exactness(key.M0);
            for (var j = 1; j <= key.Length; j++) s += Exactness(key.Context(j));
            return s;
        }

        private static int Exactness(int code) => KindOf(code) switch { MatchKind.Exact => 2, MatchKind.Word => 1, _ => 0 };

        private TokenMatcher Matcher(int code) => KindOf(code) switch
        {
            MatchKind.Exact => new TokenMatcher(MatchKind.Exact, _exact[IdOf(code)]),
            MatchKind.Word => new TokenMatcher(MatchKind.Word, _word[IdOf(code)]),
            _ => new TokenMatcher(MatchKind.Class, Classes[IdOf(code)]),
        };

        public PatternRule ToRule(Candidate c)
        {
            var context = new TokenMatcher[c.Key.Length];
            for (var j = 1; j <= c.Key.Length; j++) context[c.Key.Length - j] = Matcher(c.Key.Context(j));
            return new PatternRule(context, Matcher(c.Key.M0), Math.Round(c.Value, 4), c.Support, Math.Round(c.Precision, 4));
        }
    }
}
