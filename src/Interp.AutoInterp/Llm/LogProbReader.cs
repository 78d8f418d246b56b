namespace Interp.AutoInterp.Llm;

/// <summary>
/// Reads log-probabilities back onto an answer's text: which generated token starts at a character offset, the
/// expected value over the alternatives "0".."10" there, and P(1)/(P(0)+P(1)) for a yes/no digit.
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
    /// Σ v·p(v) over the alternatives that are the numbers 0..10, renormalised, with the values and probabilities;
    /// null when none of the alternatives is such a number.
    /// </summary>
    public static (double Expected, float[] Values, float[] Probabilities)? ExpectedValue(TokenLogProb token)
    {
        var values = new List<float>();
        var probabilities = new List<double>();
        foreach (var alt in Alternatives(token))
        {
            if (!int.TryParse(alt.Token.Trim(), out var v) || v < 0 || v > 10 || values.Contains(v)) continue;
            values.Add(v);
            probabilities.Add(Math.Exp(alt.LogProb));
        }
        var total = probabilities.Sum();
        if (values.Count == 0 || !(total > 0)) return null;
        double expected = 0;
        for (var i = 0; i < values.Count; i++) expected += values[i] * probabilities[i] / total;
        return (expected, values.ToArray(), probabilities.Select(p => (float)(p / total)).ToArray());
    }

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
