using Interp.Records;
using Interp.Core.Records;

namespace Interp.Records.Tests;

/// <summary>Records built from a store whose values are known: every figure is checked against a direct computation.</summary>
public sealed class RecordsBuilderTests : IClassFixture<RecordsBuilderTests.Data>
{
    /// <summary>One synthetic store and its records (seed 0), shared by the tests of this class.</summary>
    public sealed class Data : IDisposable
    {
        private readonly TempDir _temp = new();

        public Data()
        {
            Store = new SyntheticStore(_temp.Path);
            Records = Build.Records(Store.Folder, Build.Options());
        }

        internal SyntheticStore Store { get; }

        internal UnitRecord[] Records { get; }

        public void Dispose() => _temp.Dispose();
    }

    private readonly SyntheticStore _store;
    private readonly UnitRecord[] _records;
    private readonly RecordOptions _options = Build.Options();

    public RecordsBuilderTests(Data data) => (_store, _records) = (data.Store, data.Records);

    [Fact]
    public void Every_unit_gets_one_record_in_index_order()
    {
        Assert.Equal(Enumerable.Range(0, SyntheticStore.D), _records.Select(r => r.Id.Index));
        Assert.All(_records, r => Assert.Equal(SyntheticStore.Hook, r.Id.Source));
    }

    [Fact]
    public void Top_windows_are_the_planted_peaks_in_order()
    {
        var top = _records[0].Top;
        Assert.Equal([3L, 11L, 7L], top.Select(w => w.Context));
        Assert.Equal([5f, 4f, 3f], top.Select(w => w.Max));
        // The peak sits 3/4 of the way into the 8-token window, clamped to the context: positions 10 → start 4, 15 → 8, 2 → 0.
        Assert.Equal([4, 8, 0], top.Select(w => w.Start));
        Assert.All(top, w => Assert.Equal(8, w.Activations.Length));
    }

    [Fact]
    public void Top_windows_are_exactly_the_highest_contexts_for_every_unit()
    {
        for (var u = 0; u < SyntheticStore.D; u++)
        {
            var expected = _store.Peaks(u).Select((p, c) => (p.Max, Context: (long)c)).Where(p => p.Max > 0)
                .OrderByDescending(p => p.Max).ThenBy(p => p.Context).Take(_options.Top).ToArray();
            var top = _records[u].Top;
            Assert.Equal(expected.Select(e => e.Context), top.Select(w => w.Context));
            Assert.Equal(expected.Select(e => e.Max), top.Select(w => w.Max));
            foreach (var w in top)
            {
                var at = _store.Peaks(u)[w.Context].At;
                Assert.Equal(Math.Clamp(at - 6, 0, SyntheticStore.Ctx - 8), w.Start);
            }
        }
    }

    [Fact]
    public void Window_tokens_and_activations_are_the_stored_values()
    {
        foreach (var record in _records) RecordsAssert.WindowsMatchStore(_store, record);
    }

    [Fact]
    public void Max_mean_density_and_active_tokens_match_a_direct_computation()
    {
        foreach (var record in _records)
        {
            var values = _store.UnitValues(record.Id.Index).ToArray();
            Assert.Equal(values.Length, record.TokensSeen);
            Assert.Equal(values.Count(v => v > 0), record.ActiveTokens);
            Assert.Equal(values.Max(), record.MaxActivation);
            Assert.Equal(values.Average(v => (double)v), record.MeanActivation, 1e-9);
            Assert.Equal(values.Count(v => v > 0) / (double)values.Length, record.Density, 1e-12);
        }
        Assert.Equal(3, _records[0].ActiveTokens);
        Assert.Equal(0, _records[1].ActiveTokens);
        Assert.Equal(0, _records[2].ActiveTokens);
    }

    [Fact]
    public void The_histogram_counts_every_non_zero_activation_between_the_smallest_and_largest()
    {
        foreach (var record in _records)
        {
            var nonZero = _store.UnitValues(record.Id.Index).Where(v => v != 0).ToArray();
            if (nonZero.Length == 0)
            {
                Assert.Null(record.ActivationHistogram);
                continue;
            }
            var histogram = record.ActivationHistogram!;
            Assert.Equal(nonZero.Length, histogram.Counts.Sum());
            Assert.Equal(nonZero.Min(), histogram.Edges[0], 1e-6);
            Assert.Equal(nonZero.Max(), histogram.Edges[^1], 1e-6);
            // Spot-check the bin counts against a direct binning (values on an edge may fall either side).
            var bins = histogram.Counts.Length;
            var direct = new long[bins];
            foreach (var v in nonZero)
                direct[Math.Clamp((int)Math.Floor((v - histogram.Edges[0]) / (histogram.Edges[^1] - histogram.Edges[0]) * bins), 0, bins - 1)]++;
            Assert.True(direct.Zip(histogram.Counts).Sum(p => Math.Abs(p.First - p.Second)) <= 2, $"unit {record.Id.Index}");
        }
    }

    [Fact]
    public void Non_activating_windows_are_at_most_zero_everywhere_and_activating_ones_fire()
    {
        foreach (var record in _records)
        {
            Assert.All(record.NonActivating, w => Assert.True(w.Activations.All(a => a <= 0), $"unit {record.Id.Index} context {w.Context}"));
            Assert.All(record.RandomActivating, w => Assert.True(w.Max > 0));
            Assert.Equal(record.NonActivating.Count, record.NonActivating.Select(w => w.Context).Distinct().Count());
        }
        Assert.Empty(_records[1].Top);
        Assert.Empty(_records[1].RandomActivating);
        Assert.Equal(_options.NonActivating, _records[1].NonActivating.Count);
        Assert.Equal(_options.NonActivating, _records[0].NonActivating.Count);
        Assert.Equal(3, _records[0].RandomActivating.Count);
    }

    [Fact]
    public void Band_peaks_lie_in_their_bands_and_bands_leave_out_the_top()
    {
        var sampled = 0;
        foreach (var record in _records)
        {
            Assert.Equal(_options.Bands.Count, record.Bands.Count);
            var top = record.Top.Select(w => w.Context).ToHashSet();
            foreach (var band in record.Bands)
            {
                Assert.True(band.LowActivation <= band.HighActivation);
                Assert.True(band.Records.Count <= _options.BandSamples);
                foreach (var w in band.Records)
                {
                    Assert.InRange(w.Max, band.LowActivation, band.HighActivation);
                    Assert.True(w.Max > band.LowActivation);
                    Assert.DoesNotContain(w.Context, top);
                    sampled++;
                }
            }
            // Bands are ordered from the highest quantiles down, and their edges follow.
            for (var b = 1; b < record.Bands.Count; b++) Assert.True(record.Bands[b].HighActivation <= record.Bands[b - 1].LowActivation + 1e-6);
        }
        Assert.True(sampled > 100, $"only {sampled} band windows");
    }

    [Fact]
    public void Band_edges_are_quantiles_of_the_contexts_peaks()
    {
        // With 24 contexts and 512 histogram bins, the quantiles are exact to within one bin of the range.
        foreach (var record in _records.Skip(3))
        {
            var peaks = _store.Peaks(record.Id.Index).Select(p => p.Max).Where(p => p > 0).Order().ToArray();
            var median = record.Bands.Single(b => b.LowQuantile == 0).HighActivation;
            Assert.InRange(median, peaks[0] - 1e-6, peaks[^1]);
            var below = peaks.Count(p => p <= median) / (double)peaks.Length;
            Assert.InRange(below, 0.5 - 1.0 / peaks.Length - 0.05, 0.5 + 1.0 / peaks.Length + 0.05);
        }
    }

    [Fact]
    public void Random_windows_are_uniform_draws_of_distinct_contexts()
    {
        foreach (var record in _records)
        {
            Assert.Equal(_options.Random, record.Random.Count);
            Assert.Equal(record.Random.Count, record.Random.Select(w => w.Context).Distinct().Count());
        }
        // Across units the draws differ (each unit has its own sample).
        Assert.True(_records.Select(r => string.Join(",", r.Random.Select(w => w.Context))).Distinct().Count() > SyntheticStore.D / 2);
    }

    [Fact]
    public void The_same_seed_gives_the_same_records_and_another_seed_other_samples()
    {
        var again = Build.Records(_store.Folder, Build.Options(), units: [0, 5, 17, 90]);
        RecordsAssert.Same([_records[0], _records[5], _records[17], _records[90]], again);
        var other = Build.Records(_store.Folder, Build.Options(seed: 1), units: [5, 17, 90]);
        Assert.Equal(_records[5].Top.Select(w => w.Context), other[0].Top.Select(w => w.Context));
        Assert.NotEqual(string.Join(",", _records[5].Random.Select(w => w.Context)), string.Join(",", other[0].Random.Select(w => w.Context)));
    }

    [Fact]
    public void Building_in_many_small_chunks_gives_the_same_records_as_one_chunk()
    {
        var options = Build.Options() with { UnitsPerChunk = 50, BlockValues = 3 * SyntheticStore.Ctx * 50 };
        using var reader = Interp.Core.Store.ActivationStoreReader.Open(_store.Folder);
        var builder = new RecordBuilder(new StoreBlockSource(reader), SyntheticStore.Hook, options, id => $"<{id}>", effects: null);
        Assert.True(builder.ChunkSize < SyntheticStore.D);
        var chunks = builder.Build(Enumerable.Range(0, SyntheticStore.D).ToArray()).ToArray();
        Assert.True(chunks.Length > 1);
        var records = chunks.SelectMany(c => c).ToArray();
        for (var i = 0; i < records.Length; i++)
        {
            // Means are sums of float64 partial sums over other blocks: equal to rounding.
            Assert.Equal(_records[i].MeanActivation, records[i].MeanActivation, 1e-12);
            RecordsAssert.Same(_records[i] with { MeanActivation = 0 }, records[i] with { MeanActivation = 0 });
        }
    }

    [Fact]
    public void A_window_longer_than_the_context_is_the_whole_context()
    {
        var records = Build.Records(_store.Folder, Build.Options(window: 64), units: [0, 7]);
        Assert.All(records.SelectMany(r => r.Top.Concat(r.Random).Concat(r.NonActivating)), w =>
        {
            Assert.Equal(0, w.Start);
            Assert.Equal(SyntheticStore.Ctx, w.Activations.Length);
        });
        // Unit 0 fires in three contexts only: every other context is a non-activating window.
        Assert.Equal(4, records[0].NonActivating.Count);
        Assert.DoesNotContain(records[0].NonActivating, w => w.Context is 3 or 7 or 11);
    }
}
