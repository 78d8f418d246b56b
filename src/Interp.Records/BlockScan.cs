namespace Interp.Records;

/// <summary>
/// The per-block reductions of <see cref="RecordBuilder"/>, in plain C# over the row-major <c>[C × T × U]</c> values
/// (units innermost, so every loop walks memory in order). One pass over a block does what would take libtorch a dozen
/// temporaries, and on one core it is several times faster.
/// </summary>
internal static class BlockScan
{
    /// <summary>
    /// Per context and unit, the maximum over positions and its first position (<c>peak</c>, <c>argmax</c>: <c>[C × U]</c>);
    /// per unit, the running sum, count of values &gt; 0, smallest and largest non-zero value (updated in place).
    /// </summary>
    public static void Statistics(ReadOnlySpan<float> values, int contexts, int ctx, int units, Span<float> peak, Span<int> argmax,
        Span<double> sum, Span<long> active, Span<float> nonZeroMin, Span<float> nonZeroMax)
    {
        for (var c = 0; c < contexts; c++)
        {
            var peaks = peak.Slice(c * units, units);
            var at = argmax.Slice(c * units, units);
            for (var t = 0; t < ctx; t++)
            {
                var row = values.Slice((c * ctx + t) * units, units);
                if (t == 0)
                {
                    row.CopyTo(peaks);
                    at.Clear();
                }
                else
                    for (var u = 0; u < units; u++)
                        if (row[u] > peaks[u]) (peaks[u], at[u]) = (row[u], t);
                for (var u = 0; u < units; u++)
                {
                    var v = row[u];
                    sum[u] += v;
                    if (v == 0) continue;
                    if (v > 0) active[u]++;
                    if (v < nonZeroMin[u]) nonZeroMin[u] = v;
                    if (v > nonZeroMax[u]) nonZeroMax[u] = v;
                }
            }
        }
    }

    /// <summary>Per context and unit, the maximum over positions and its first position (<c>[C × U]</c>).</summary>
    public static void Peaks(ReadOnlySpan<float> values, int contexts, int ctx, int units, Span<float> peak, Span<int> argmax)
    {
        for (var c = 0; c < contexts; c++)
        {
            var peaks = peak.Slice(c * units, units);
            var at = argmax.Slice(c * units, units);
            values.Slice(c * ctx * units, units).CopyTo(peaks);
            at.Clear();
            for (var t = 1; t < ctx; t++)
            {
                var row = values.Slice((c * ctx + t) * units, units);
                for (var u = 0; u < units; u++)
                    if (row[u] > peaks[u]) (peaks[u], at[u]) = (row[u], t);
            }
        }
    }

    /// <summary>
    /// Per context and unit, the start of a window of <paramref name="length"/> positions where the unit is ≤ 0 at every
    /// position, or -1 when none: among the qualifying starts <c>s</c>, the one with the smallest <c>(s − rotation[c]) mod S</c>
    /// (<c>S = T − length + 1</c>), so that the chosen windows do not all sit at a context's start. Output <c>[C × U]</c>.
    /// </summary>
    public static void QuietWindows(ReadOnlySpan<float> values, int contexts, int ctx, int units, int length, ReadOnlySpan<int> rotation, Span<int> start)
    {
        var starts = ctx - length + 1;
        var firing = new int[units];               // values > 0 among the last `length` positions
        var best = new int[units];                 // smallest rank found so far (starts = none)
        for (var c = 0; c < contexts; c++)
        {
            Array.Clear(firing);
            Array.Fill(best, starts);
            var offset = rotation[c];
            for (var t = 0; t < ctx; t++)
            {
                var row = values.Slice((c * ctx + t) * units, units);
                for (var u = 0; u < units; u++) if (row[u] > 0) firing[u]++;
                if (t >= length)
                {
                    var leaving = values.Slice((c * ctx + t - length) * units, units);
                    for (var u = 0; u < units; u++) if (leaving[u] > 0) firing[u]--;
                }
                if (t < length - 1) continue;
                var s = t - length + 1;
                var rank = (s - offset + starts) % starts;
                for (var u = 0; u < units; u++)
                    if (firing[u] == 0 && rank < best[u]) best[u] = rank;
            }
            var output = start.Slice(c * units, units);
            for (var u = 0; u < units; u++) output[u] = best[u] == starts ? -1 : (best[u] + offset) % starts;
        }
    }

    /// <summary>
    /// Adds every non-zero value to its unit's histogram: <c>counts[u × bins + ⌊(v − low[u]) · scale[u]⌋]</c> (clamped to
    /// the bins; a scale of 0 puts everything in bin 0).
    /// </summary>
    public static void Histogram(ReadOnlySpan<float> values, int units, int bins, ReadOnlySpan<float> low, ReadOnlySpan<float> scale, Span<long> counts)
    {
        for (var at = 0; at < values.Length; at += units)
        {
            var row = values.Slice(at, units);
            for (var u = 0; u < units; u++)
            {
                var v = row[u];
                if (v == 0) continue;
                var bin = (int)MathF.Floor((v - low[u]) * scale[u]);
                counts[u * bins + Math.Clamp(bin, 0, bins - 1)]++;
            }
        }
    }
}
