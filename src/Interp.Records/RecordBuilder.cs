using System.Diagnostics;
using Interp.Core.Records;

namespace Interp.Records;

/// <summary>
/// Builds <see cref="UnitRecord"/>s from an <see cref="IActivationBlockSource"/> in streaming passes with bounded memory.
/// Units are built in chunks that fit <see cref="RecordOptions.MemoryMegabytes"/>; each chunk reads the source twice:
/// <list type="number">
/// <item>pass 1: per unit, max, mean, active tokens, the range of non-zero values, a histogram of the contexts' peaks
/// (for quantiles) and the top contexts (one window per context, around the context's maximum);</item>
/// <item>pass 2: the quantile-band edges from pass 1 decide each context's band; priority samples (seeded hashes of
/// unit and context, so order-independent) keep band windows, uniformly random windows, random activating windows and
/// non-activating windows (a window of the unit ≤ 0 at every token); the histogram of non-zero activations.</item>
/// </list>
/// Window values are the source's values for that unit, copied when a window is kept. Token ids are read once per
/// chunk for the contexts the kept windows use.
/// </summary>
public sealed class RecordBuilder
{
    private readonly IActivationBlockSource _source;
    private readonly string _unitSource;
    private readonly RecordOptions _options;
    private readonly Func<int, string> _tokenString;
    private readonly UnitEffects? _effects;
    private readonly Dictionary<int, string> _strings = [];

    /// <summary>A builder over <paramref name="source"/>, naming units <c>unitSource/index</c>.</summary>
    /// <param name="source">The activations (or SAE latents).</param>
    /// <param name="unitSource">The <see cref="UnitId.Source"/> of the units built.</param>
    /// <param name="options">Sampling options (validated here).</param>
    /// <param name="tokenString">A token id's display text.</param>
    /// <param name="effects">Logit effects and nearest units, or null for none.</param>
    public RecordBuilder(IActivationBlockSource source, string unitSource, RecordOptions options, Func<int, string> tokenString, UnitEffects? effects)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tokenString);
        options.Validate();
        (_source, _unitSource, _options, _tokenString, _effects) = (source, unitSource, options, tokenString, effects);
    }

    /// <summary>Units built per chunk (two passes over the source each).</summary>
    public int ChunkSize => _options.UnitsPerChunk > 0 ? _options.UnitsPerChunk : _options.MemoryMegabytes == 0 ? int.MaxValue
        : (int)Math.Clamp(((long)_options.MemoryMegabytes << 20) / _options.BytesPerUnit, 1, int.MaxValue);

    /// <summary>
    /// Builds the records of <paramref name="units"/> (ascending indices below the source's width), one list per chunk
    /// in ascending unit order; a chunk is complete when yielded.
    /// </summary>
    /// <param name="units">The units to build.</param>
    /// <param name="progress">Called after each block of contexts.</param>
    /// <param name="unitsBefore">Units already finished by an earlier run (for progress only).</param>
    /// <param name="totalUnits">Units in the whole job (for progress only; default: <paramref name="units"/>' count).</param>
    /// <param name="cancellationToken">Stops between blocks.</param>
    public IEnumerable<IReadOnlyList<UnitRecord>> Build(IReadOnlyList<int> units, Action<RecordsProgress>? progress = null, int unitsBefore = 0,
        int? totalUnits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(units);
        var sorted = units.Distinct().Order().ToArray();
        if (sorted.Length > 0 && (sorted[0] < 0 || sorted[^1] >= _source.Width))
            throw new ArgumentException($"units must lie in [0, {_source.Width})", nameof(units));
        var chunks = sorted.Chunk(ChunkSize).ToArray();
        var clock = Stopwatch.StartNew();
        var done = unitsBefore;
        var total = totalUnits ?? unitsBefore + sorted.Length;
        for (var i = 0; i < chunks.Length; i++)
        {
            var chunk = new Chunk(this, chunks[i]);
            void Report(string phase, long contexts) =>
                progress?.Invoke(new RecordsProgress(phase, i + 1, chunks.Length, contexts, _source.Contexts, done, total, clock.Elapsed));
            chunk.FirstPass(Report, cancellationToken);
            chunk.SecondPass(Report, cancellationToken);
            Report("effects", _source.Contexts);
            var records = chunk.Records();
            done += records.Count;
            yield return records;
        }
    }

    private string TokenString(int id)
    {
        if (!_strings.TryGetValue(id, out var text)) _strings[id] = text = _tokenString(id);
        return text;
    }

    /// <summary>The state of one chunk of units through both passes.</summary>
    private sealed class Chunk
    {
        private readonly RecordBuilder _b;
        private readonly int[] _units;
        private readonly int _n, _ctx, _len, _starts, _peakOffset, _maxContexts;
        private readonly double[] _sum;
        private readonly long[] _active;
        private readonly float[] _max, _nonZeroMin, _nonZeroMax;
        private readonly TopWindows[] _top;
        private readonly PeakHistogram[] _peaks;
        private readonly PrioritySample[] _random, _randomActivating, _nonActivating;
        private readonly PrioritySample[,] _bands;
        private readonly long[] _histogram;          // [n × bins]
        private (float Low, float High)[,] _edges = new (float, float)[0, 0];
        private HashSet<long>[] _topContexts = [];
        private long _tokens;

        public Chunk(RecordBuilder builder, int[] units)
        {
            (_b, _units, _n, _ctx) = (builder, units, units.Length, builder._source.Ctx);
            var o = builder._options;
            _len = Math.Min(o.Window, _ctx);
            _starts = _ctx - _len + 1;
            _peakOffset = _len * 3 / 4;
            _maxContexts = (int)Math.Clamp(o.BlockValues / ((long)_ctx * _n), 1, int.MaxValue);
            (_sum, _active) = (new double[_n], new long[_n]);
            (_max, _nonZeroMin, _nonZeroMax) = (Filled(float.NegativeInfinity), Filled(float.PositiveInfinity), Filled(float.NegativeInfinity));
            _top = Make(() => new TopWindows(o.Top));
            _peaks = Make(() => new PeakHistogram());
            _random = Make(() => new PrioritySample(o.Random));
            _randomActivating = Make(() => new PrioritySample(o.RandomActivating));
            _nonActivating = Make(() => new PrioritySample(o.NonActivating));
            _bands = new PrioritySample[_n, o.Bands.Count];
            for (var u = 0; u < _n; u++)
                for (var b = 0; b < o.Bands.Count; b++) _bands[u, b] = new PrioritySample(o.BandSamples);
            _histogram = new long[o.HistogramBins * _n];
        }

        public void FirstPass(Action<string, long> report, CancellationToken cancel)
        {
            long contexts = 0;
            foreach (var block in _b._source.Blocks(_units, _maxContexts, cancel))
            {
                var c = block.Contexts.Length;
                var (peaks, argmax) = (new float[c * _n], new int[c * _n]);
                BlockScan.Statistics(block.Values, c, _ctx, _n, peaks, argmax, _sum, _active, _nonZeroMin, _nonZeroMax);
                for (var i = 0; i < c; i++)
                {
                    var context = block.Contexts[i];
                    for (var u = 0; u < _n; u++)
                    {
                        var p = peaks[i * _n + u];
                        if (p > _max[u]) _max[u] = p;
                        if (!(p > 0)) continue;
                        _peaks[u].Add(p);
                        if (!_top[u].Admits(p, context)) continue;
                        var start = Math.Clamp(argmax[i * _n + u] - _peakOffset, 0, _ctx - _len);
                        _top[u].Add(new KeptWindow(context, start, p, Copy(block.Values, i, start, u)));
                    }
                }
                _tokens += (long)c * _ctx;
                contexts += c;
                report("pass 1", contexts);
            }
            var bands = _b._options.Bands;
            _edges = new (float, float)[_n, bands.Count];
            for (var u = 0; u < _n; u++)
                for (var b = 0; b < bands.Count; b++)
                    _edges[u, b] = (_peaks[u].Quantile(bands[b].Low, _max[u]), _peaks[u].Quantile(bands[b].High, _max[u]));
            _topContexts = _top.Select(t => t.Sorted().Select(w => w.Context).ToHashSet()).ToArray();
        }

        public void SecondPass(Action<string, long> report, CancellationToken cancel)
        {
            var o = _b._options;
            var (seed, bins, bandCount) = (o.Seed, o.HistogramBins, o.Bands.Count);
            var histogramLow = new float[_n];
            var histogramScale = new float[_n];
            for (var u = 0; u < _n; u++)
                if (_nonZeroMin[u] <= _nonZeroMax[u])
                {
                    histogramLow[u] = _nonZeroMin[u];
                    histogramScale[u] = _nonZeroMax[u] > _nonZeroMin[u] ? bins / (_nonZeroMax[u] - _nonZeroMin[u]) : 0;
                }
            long contexts = 0;
            foreach (var block in _b._source.Blocks(_units, _maxContexts, cancel))
            {
                var c = block.Contexts.Length;
                var (peaks, argmax, quiet) = (new float[c * _n], new int[c * _n], new int[c * _n]);
                var rotation = block.Contexts.Select(k => (int)(SamplingHash.Of(seed, SamplingHash.Stream.NonActivatingRotation, 0, k) % (ulong)_starts)).ToArray();
                BlockScan.Peaks(block.Values, c, _ctx, _n, peaks, argmax);
                BlockScan.QuietWindows(block.Values, c, _ctx, _n, _len, rotation, quiet);
                BlockScan.Histogram(block.Values, _n, bins, histogramLow, histogramScale, _histogram);
                for (var i = 0; i < c; i++)
                {
                    var context = block.Contexts[i];
                    for (var u = 0; u < _n; u++)
                    {
                        var unit = _units[u];
                        var priority = SamplingHash.Of(seed, SamplingHash.Stream.Random, unit, context);
                        if (_random[u].Admits(priority))
                        {
                            var start = (int)(SamplingHash.Of(seed, SamplingHash.Stream.RandomStart, unit, context) % (ulong)_starts);
                            _random[u].Add(priority, Window(block.Values, context, i, start, u));
                        }
                        var p = peaks[i * _n + u];
                        if (p > 0)
                        {
                            var start = Math.Clamp(argmax[i * _n + u] - _peakOffset, 0, _ctx - _len);
                            priority = SamplingHash.Of(seed, SamplingHash.Stream.RandomActivating, unit, context);
                            if (_randomActivating[u].Admits(priority))
                                _randomActivating[u].Add(priority, new KeptWindow(context, start, p, Copy(block.Values, i, start, u)));
                            for (var b = 0; b < bandCount; b++)
                            {
                                var (low, high) = _edges[u, b];
                                if (!(p > low && p <= high)) continue;
                                if (_topContexts[u].Contains(context)) break;
                                priority = SamplingHash.Of(seed, SamplingHash.Stream.Band, unit, context);
                                if (_bands[u, b].Admits(priority))
                                    _bands[u, b].Add(priority, new KeptWindow(context, start, p, Copy(block.Values, i, start, u)));
                                break;
                            }
                        }
                        var quietStart = quiet[i * _n + u];
                        if (quietStart < 0) continue;
                        priority = SamplingHash.Of(seed, SamplingHash.Stream.NonActivating, unit, context);
                        if (_nonActivating[u].Admits(priority))
                            _nonActivating[u].Add(priority, Window(block.Values, context, i, quietStart, u));
                    }
                }
                contexts += c;
                report("pass 2", contexts);
            }
        }

        public IReadOnlyList<UnitRecord> Records()
        {
            var o = _b._options;
            var used = new HashSet<long>();
            var tops = _top.Select(t => t.Sorted()).ToArray();
            var random = _random.Select(s => s.InPriorityOrder()).ToArray();
            var activating = _randomActivating.Select(s => s.InPriorityOrder()).ToArray();
            var quiet = _nonActivating.Select(s => s.InPriorityOrder()).ToArray();
            var bands = new KeptWindow[_n][][];
            for (var u = 0; u < _n; u++)
            {
                bands[u] = new KeptWindow[o.Bands.Count][];
                for (var b = 0; b < o.Bands.Count; b++)
                    bands[u][b] = _bands[u, b].InPriorityOrder().OrderByDescending(w => w.Peak).ThenBy(w => w.Context).ToArray();
            }
            foreach (var w in tops.Concat(random).Concat(activating).Concat(quiet).Concat(bands.SelectMany(b => b)).SelectMany(w => w))
                used.Add(w.Context);
            var tokens = _b._source.ContextTokens(used);
            var effects = _b._effects?.Compute(_units) ?? Enumerable.Repeat(UnitEffect.None, _n).ToArray();
            var bins = o.HistogramBins;

            ActivationRecord Record(KeptWindow w)
            {
                var ids = tokens[w.Context].AsSpan(w.Start, w.Values.Length).ToArray();
                return new ActivationRecord(ids, ids.Select(_b.TokenString).ToArray(), w.Values, w.Context, w.Start);
            }

            var records = new UnitRecord[_n];
            for (var u = 0; u < _n; u++)
            {
                Histogram? histogram = null;
                if (_nonZeroMin[u] <= _nonZeroMax[u])
                {
                    var (low, high) = (_nonZeroMin[u], _nonZeroMax[u]);
                    var n = high > low ? bins : 1;
                    var counts = new long[n];
                    for (var b = 0; b < bins; b++) counts[Math.Min(b, n - 1)] += _histogram[u * bins + b];
                    histogram = new Histogram(Enumerable.Range(0, n + 1).Select(b => low + (double)(high - low) * b / n).ToArray(), counts);
                }
                var effect = effects[u];
                records[u] = new UnitRecord
                {
                    Id = new UnitId(_b._unitSource, _units[u]),
                    TokensSeen = _tokens,
                    ActiveTokens = _active[u],
                    MaxActivation = _tokens == 0 ? 0 : _max[u],
                    MeanActivation = _tokens == 0 ? 0 : _sum[u] / _tokens,
                    Top = tops[u].Select(Record).ToArray(),
                    Bands = o.Bands.Select((band, b) => new QuantileBand(band.Low, band.High, _edges[u, b].Low, _edges[u, b].High,
                        bands[u][b].Select(Record).ToArray())).ToArray(),
                    Random = random[u].Select(Record).ToArray(),
                    RandomActivating = activating[u].Select(Record).ToArray(),
                    NonActivating = quiet[u].Select(Record).ToArray(),
                    ActivationHistogram = histogram,
                    LogitPositive = effect.Positive,
                    LogitNegative = effect.Negative,
                    LogitHistogram = effect.Histogram,
                    Nearest = effect.Nearest,
                };
            }
            return records;
        }

        private KeptWindow Window(float[] values, long context, int i, int start, int u)
        {
            var copy = Copy(values, i, start, u);
            return new KeptWindow(context, start, copy.Max(), copy);
        }

        // The unit's values at positions [start, start + len) of the block's i-th context. Values are (C, T, U).
        private float[] Copy(float[] values, int i, int start, int u)
        {
            var window = new float[_len];
            var at = ((long)i * _ctx + start) * _n + u;
            for (var t = 0; t < _len; t++, at += _n) window[t] = values[at];
            return window;
        }

        private float[] Filled(float value)
        {
            var array = new float[_n];
            Array.Fill(array, value);
            return array;
        }

        private T[] Make<T>(Func<T> create)
        {
            var array = new T[_n];
            for (var u = 0; u < _n; u++) array[u] = create();
            return array;
        }
    }
}
