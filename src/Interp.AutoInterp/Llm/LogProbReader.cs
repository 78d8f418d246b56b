namespace Interp.AutoInterp.Llm;

/// <summary>
/// Reads log-probabilities back onto an answer's text: which generated token starts at a character offset, the
/// expected value of the number 0..10 written there (also where "10" is two tokens), and P(1)/(P(0)+P(1)) for a yes/no digit.
/// </summary>
public sealed class LogProbReader
{
    private readonly IReadOnlyList<TokenLogProb> _tokens;
    private readonly int[] _starts;

    /// <summary>Aligns <paramref name="tokens"/> (their texts concatenated are the answer).</summary>
    public LogProbReader(IReadOnlyList<TokenLogProb> tokens)
    {
        _tokens = tokens;
        _starts = new int[tokens.Count];
        var offset = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            _starts[i] = offset;
            offset += tokens[i].Token.Length;
        }
        static bool IsTen(string text) => text.Trim() == "10";
        var tenIsOneToken = tokens.Any(t => IsTen(t.Token) || t.Top.Any(a => IsTen(a.Token)));
        SplitsTen = !tenIsOneToken && Enumerable.Range(0, Math.Max(0, tokens.Count - 1)).Any(i => tokens[i].Token.Trim() == "1" && tokens[i + 1].Token.StartsWith('0'));
    }

    /// <summary>The token whose text covers character <paramref name="offset"/>, or null.</summary>
    public TokenLogProb? At(int offset) => IndexAt(offset) is var i and >= 0 ? _tokens[i] : null;

    /// <summary>Index of the token covering character <paramref name="offset"/> (-1 if none).</summary>
    public int IndexAt(int offset)
    {
        if (offset < 0 || _tokens.Count == 0) return -1;
        var i = Array.BinarySearch(_starts, offset);
        if (i < 0) i = ~i - 1;
        return i >= 0 && offset < _starts[i] + _tokens[i].Token.Length ? i : -1;
    }

    /// <summary>
    /// The expected value of the number written at character <paramref name="offset"/>: Σ v·p(v) over the alternatives
    /// there that are the numbers 0..10, renormalised (OpenAI's <c>simulator.py</c>, <c>parse_top_logprobs</c>, where each
    /// of 0..10 is one token), with the values and probabilities; null when no alternative is such a number.
    /// Where the endpoint's tokenizer writes "10" as "1" then "0" (<see cref="SplitsTen"/>), "1" is only a first digit:
    /// where "1" was written, the next token's alternatives split its probability between 10 (a "0" follows) and 1 (the
    /// value ends); where another number was written, what would follow "1" is unknown and the answer is null, so that the
    /// caller falls back to the written number instead of reading 10 as 1.
    /// </summary>
    public (double Expected, float[] Values, float[] Probabilities)? ExpectedValueAt(int offset)
    {
        var i = IndexAt(offset);
        if (i < 0) return null;
        var token = _tokens[i];
        var values = new List<int>();
        var probabilities = new List<double>();
        foreach (var alt in Alternatives(token))
        {
            if (!int.TryParse(alt.Token.Trim(), out var v) || v < 0 || v > 10 || values.Contains(v)) continue;
            values.Add(v);
            probabilities.Add(Math.Exp(alt.LogProb));
        }
        if (SplitsTen && values.IndexOf(1) is var one and >= 0)
        {
            if (token.Token.Trim() != "1" || i + 1 >= _tokens.Count) return null;
            double zero = 0, end = 0;
            foreach (var alt in Alternatives(_tokens[i + 1]))
            {
                if (alt.Token.StartsWith('0')) zero += Math.Exp(alt.LogProb);
                else if (alt.Token.Length == 0 || !char.IsAsciiDigit(alt.Token[0])) end += Math.Exp(alt.LogProb);
            }
            if (!(zero + end > 0)) return null;
            var p1 = probabilities[one];
            probabilities[one] = p1 * end / (zero + end);
            values.Add(10);
            probabilities.Add(p1 * zero / (zero + end));
        }
        var total = probabilities.Sum();
        if (values.Count == 0 || !(total > 0)) return null;
        double expected = 0;
        for (var k = 0; k < values.Count; k++) expected += values[k] * probabilities[k] / total;
        return (expected, values.Select(v => (float)v).ToArray(), probabilities.Select(p => (float)(p / total)).ToArray());
    }

    /// <summary>
    /// True when the answer shows a tokenizer that writes "10" as two tokens: a token "1" followed by one starting with
    /// "0", and "10" nowhere as one token or alternative.
    /// </summary>
    public bool SplitsTen { get; }

    /// <summary>P("1") / (P("0") + P("1")) at a token, or null when neither digit is among the alternatives.</summary>
    public static double? ProbabilityOfOne(TokenLogProb token)
    {
        double p0 = 0, p1 = 0;
        var seen0 = false;
        var seen1 = false;
        foreach (var alt in Alternatives(token))
        {
            var t = alt.Token.Trim();
            if (t == "0" && !seen0) { p0 = Math.Exp(alt.LogProb); seen0 = true; }
            else if (t == "1" && !seen1) { p1 = Math.Exp(alt.LogProb); seen1 = true; }
        }
        return p0 + p1 > 0 ? p1 / (p0 + p1) : null;
    }

    private static IEnumerable<TopLogProb> Alternatives(TokenLogProb token) =>
        token.Top.Count > 0 ? token.Top : [new TopLogProb(token.Token, token.LogProb)];
}
