namespace Interp.Records;

/// <summary>
/// A streaming histogram of positive values for quantiles, without knowing the range in advance: <c>B</c> equal bins
/// over <c>[0, R)</c>, where <c>R</c> is a power of two that doubles (merging bins pairwise) whenever a larger value
/// arrives. A quantile is then exact to within one bin, <c>R/B &lt; 2·max/B</c>.
/// </summary>
internal sealed class PeakHistogram(int bins = 512)
{
    private readonly long[] _counts = new long[bins];
    private double _range;

    /// <summary>Values added.</summary>
    public long Count { get; private set; }

    /// <summary>Adds a value &gt; 0.</summary>
    public void Add(float value)
    {
        if (!(value > 0)) return;
        if (_range == 0) _range = Math.Pow(2, Math.Floor(Math.Log2(value)) + 1);
        while (value >= _range) Grow();
        var bin = (int)(value / _range * _counts.Length);
        _counts[Math.Min(bin, _counts.Length - 1)]++;
        Count++;
    }

    /// <summary>
    /// The value below which a fraction <paramref name="q"/> of the added values lie (linear inside the bin); 0 when
    /// nothing was added or q ≤ 0, at most <paramref name="max"/>.
    /// </summary>
    public float Quantile(double q, float max)
    {
        if (Count == 0 || q <= 0) return 0;
        if (q >= 1) return max;
        var target = q * Count;
        var width = _range / _counts.Length;
        double below = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            if (below + _counts[i] >= target && _counts[i] > 0)
                return (float)Math.Min(max, (i + (target - below) / _counts[i]) * width);
            below += _counts[i];
        }
        return max;
    }

    private void Grow()
    {
        var half = _counts.Length / 2;
        for (var i = 0; i < half; i++) _counts[i] = _counts[2 * i] + _counts[2 * i + 1];
        Array.Clear(_counts, half, _counts.Length - half);
        _range *= 2;
    }
}
