using Interp.AutoInterp.Explain;
using Interp.Core.Records;

namespace Interp.AutoInterp.Batch;

/// <summary>A unit's true activation at a position of a corpus.</summary>
public delegate float SyntheticRule(SyntheticCorpus corpus, int position);

/// <summary>
/// Units whose true behaviour is known, over a real corpus: they fire on one token, on a token after another token, on
/// digits, … with a magnitude that varies (1 to 1.5, from a hash of the position, so it repeats). Their
/// <see cref="UnitRecord"/>s are built the way a records store builds them: top windows around the largest
/// activations (non-overlapping), random windows, random activating and non-activating windows.
/// </summary>
public static class SyntheticUnits
{
    /// <summary>Fires on every occurrence of <paramref name="token"/> (exact token string).</summary>
    public static SyntheticRule OnToken(string token) => (c, p) => c.Tokens[p] == token ? Magnitude(p) : 0;

    /// <summary>Fires on <paramref name="token"/> only right after <paramref name="previous"/>.</summary>
    public static SyntheticRule OnTokenAfter(string previous, string token) =>
        (c, p) => p > 0 && c.Tokens[p] == token && c.Tokens[p - 1] == previous ? Magnitude(p) : 0;

    /// <summary>Fires on tokens made only of digits.</summary>
    public static SyntheticRule OnDigits() => (c, p) => TokenForms.Class(c.Tokens[p]) == TokenForms.Number ? Magnitude(p) : 0;

    /// <summary>Fires on capitalised words right after <paramref name="previous"/>.</summary>
    public static SyntheticRule OnCapitalisedAfter(string previous) =>
        (c, p) => p > 0 && c.Tokens[p - 1] == previous && TokenForms.Class(c.Tokens[p]) == TokenForms.Capitalised ? Magnitude(p) : 0;

    /// <summary>1 to 1.5, a fixed function of the position.</summary>
    public static float Magnitude(int position)
    {
        var h = (uint)position * 2654435761u;
        h ^= h >> 15;
        return 1f + 0.5f * (h % 1000) / 1000f;
    }

    /// <summary>
    /// The record of a unit following <paramref name="rule"/> over <paramref name="corpus"/>: <paramref name="top"/>
    /// top windows, <paramref name="random"/> random ones, and as many random activating and non-activating windows,
    /// each <paramref name="window"/> tokens.
    /// </summary>
    public static UnitRecord Build(UnitId id, SyntheticCorpus corpus, SyntheticRule rule, int top = 40, int random = 30, int window = 64, int seed = 0)
    {
        var n = corpus.Length;
        var acts = new float[n];
        var active = new List<int>();
        double sum = 0;
        float max = 0;
        for (var p = 0; p < n; p++)
        {
            var a = rule(corpus, p);
            acts[p] = a;
            sum += a;
            if (a > 0) active.Add(p);
            if (a > max) max = a;
        }
        var rng = new Random(seed ^ Score.StableSeed.Of(id.ToString()));

        ActivationRecord Window(int start) => new(corpus.Ids[start..(start + window)], corpus.Tokens[start..(start + window)], acts[start..(start + window)], 0, start);
        int Centre(int p) => Math.Clamp(p - window / 2, 0, n - window);

        var topStarts = new List<int>();
        foreach (var p in active.OrderByDescending(p => acts[p]).ThenBy(p => p))
        {
            var start = Centre(p);
            if (topStarts.Any(s => Math.Abs(s - start) < window)) continue;
            topStarts.Add(start);
            if (topStarts.Count == top) break;
        }
        var topRecords = topStarts.Select(Window).OrderByDescending(r => r.Max).ToList();
        var randomRecords = Enumerable.Range(0, random).Select(_ => Window(rng.Next(n - window + 1))).ToList();
        var randomActivating = active.Count == 0 ? [] : Enumerable.Range(0, random)
            .Select(_ => Window(Math.Clamp(active[rng.Next(active.Count)] - rng.Next(window), 0, n - window))).ToList();
        var nonActivating = new List<ActivationRecord>();
        for (var tries = 0; tries < 50 * random && nonActivating.Count < random; tries++)
        {
            var start = rng.Next(n - window + 1);
            var any = false;
            for (var i = start; i < start + window && !any; i++) any = acts[i] > 0;
            if (!any) nonActivating.Add(Window(start));
        }
        return new UnitRecord
        {
            Id = id,
            TokensSeen = n,
            ActiveTokens = active.Count,
            MaxActivation = max,
            MeanActivation = n == 0 ? 0 : sum / n,
            Top = topRecords,
            Random = randomRecords,
            RandomActivating = randomActivating,
            NonActivating = nonActivating,
        };
    }

    /// <summary>
    /// <paramref name="count"/> varied units for benchmarks and demos: in turn, units firing on one frequent token, on a
    /// frequent token after the token that most often precedes it, on digits, and on capitalised words after a frequent
    /// token. Returns each unit's record and a description of its rule.
    /// </summary>
    public static IReadOnlyList<(UnitRecord Record, string Rule)> Family(SyntheticCorpus corpus, int count, string source = "synthetic")
    {
        var frequent = corpus.Tokens.Where(t => t.Trim().Length > 0 && TokenForms.Class(t) is null)
            .GroupBy(t => t).Where(g => g.Count() >= 20).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).Take(400).ToArray();
        var bigrams = Enumerable.Range(1, corpus.Length - 1)
            .Where(p => corpus.Tokens[p].Trim().Length > 0 && corpus.Tokens[p - 1].Trim().Length > 0)
            .GroupBy(p => (corpus.Tokens[p - 1], corpus.Tokens[p])).Where(g => g.Count() >= 10)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Item1 + "\u0001" + g.Key.Item2, StringComparer.Ordinal)
            .Select(g => g.Key).Take(400).ToArray();
        var beforeCapitals = Enumerable.Range(1, corpus.Length - 1)
            .Where(p => TokenForms.Class(corpus.Tokens[p]) == TokenForms.Capitalised && corpus.Tokens[p - 1].Trim().Length > 0)
            .GroupBy(p => corpus.Tokens[p - 1]).Where(g => g.Count() >= 10)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).Take(200).ToArray();
        var units = new List<(UnitRecord, string)>(count);
        for (var i = 0; i < count; i++)
        {
            var id = new UnitId(source, i);
            var k = i / 4;
            (SyntheticRule rule, string description) = (i % 4) switch
            {
                0 when frequent.Length > 0 => (OnToken(frequent[k % frequent.Length]), $"token {Q(frequent[k % frequent.Length])}"),
                1 when bigrams.Length > 0 => (OnTokenAfter(bigrams[k % bigrams.Length].Item1, bigrams[k % bigrams.Length].Item2),
                    $"token {Q(bigrams[k % bigrams.Length].Item2)} after {Q(bigrams[k % bigrams.Length].Item1)}"),
                3 when beforeCapitals.Length > 0 => (OnCapitalisedAfter(beforeCapitals[k % beforeCapitals.Length]), $"capitalised word after {Q(beforeCapitals[k % beforeCapitals.Length])}"),
                _ => (OnDigits(), "digits"),
            };
            units.Add((Build(id, corpus, rule, seed: i), description));
        }
        return units;
    }

    private static string Q(string token) => "\"" + token.Replace("\n", "\\n") + "\"";
}
