using System.Text.Json;
using Interp.Records;
using Interp.Core;
using Interp.Core.Records;
using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;
using static TorchSharp.torch;

namespace Interp.Records.Tests;

/// <summary>
/// A small activation store with known values at the fixture model's <c>blocks.1.mlp.hook_post</c> (d = 128):
/// <see cref="Contexts"/> contexts of <see cref="Ctx"/> tokens, written with <see cref="ActivationStoreWriter"/> in
/// several shards and row groups. Most units are seeded noise that is positive about a fifth of the time; unit 0 is
/// ≤ 0 everywhere except three planted peaks (context 3 → 5.0 at position 10, context 11 → 4.0 at 15, context 7 → 3.0
/// at 2); unit 1 is 0 everywhere; unit 2 is ≤ 0 everywhere (never zero). With <c>bosOutliers</c> every context starts
/// with a prepended BOS (token <see cref="Bos"/>) whose value is <see cref="BosValue"/> at every unit, as a BOS is an outlier.
/// </summary>
internal sealed class SyntheticStore
{
    public const string Hook = "blocks.1.mlp.hook_post";
    public const int Ctx = 16, D = 128, Contexts = 24, Bos = 999;
    public const float BosValue = 100f;

    public SyntheticStore(string root, int seed = 11, string? weightsSha = null, bool bosOutliers = false)
    {
        var random = new Random(seed);
        Tokens = new int[Contexts * Ctx];
        for (var i = 0; i < Tokens.Length; i++) Tokens[i] = random.Next(1000);
        Values = new float[Contexts * Ctx * D];
        for (var c = 0; c < Contexts; c++)
            for (var t = 0; t < Ctx; t++)
                for (var u = 0; u < D; u++)
                    Values[Index(c, t, u)] = u switch
                    {
                        0 => -(float)random.NextDouble(),
                        1 => 0f,
                        2 => -0.01f - (float)random.NextDouble(),
                        _ => (float)(random.NextDouble() * 1.25 - 1.0) * (1 + u % 5),
                    };
        Values[Index(3, 10, 0)] = 5f;
        Values[Index(11, 15, 0)] = 4f;
        Values[Index(7, 2, 0)] = 3f;
        if (bosOutliers)
            for (var c = 0; c < Contexts; c++)
            {
                Tokens[c * Ctx] = Bos;
                Values.AsSpan(Index(c, 0, 0), D).Fill(BosValue);
            }

        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        var identity = ModelFingerprint.Of(model);
        if (weightsSha is not null) identity = identity with { WeightsSha256 = weightsSha };
        Folder = Path.Combine(root, Hook);
        ArrayStore.Write(Folder, identity, Hook, D, Ctx, Tokens, Values, bosOutliers ? Bos : null);
    }

    /// <summary>The hook folder.</summary>
    public string Folder { get; }

    /// <summary>Token ids, [context × position].</summary>
    public int[] Tokens { get; }

    /// <summary>Values, [context × position × unit].</summary>
    public float[] Values { get; }

    public static int Index(int context, int position, int unit) => (context * Ctx + position) * D + unit;

    public float Value(long context, int position, int unit) => Values[Index((int)context, position, unit)];

    /// <summary>Per context, the unit's maximum and its first position.</summary>
    public (float Max, int At)[] Peaks(int unit) => Enumerable.Range(0, Contexts).Select(c =>
    {
        var (max, at) = (float.NegativeInfinity, -1);
        for (var t = 0; t < Ctx; t++)
            if (Value(c, t, unit) > max) (max, at) = (Value(c, t, unit), t);
        return (max, at);
    }).ToArray();

    public IEnumerable<float> UnitValues(int unit)
    {
        for (var c = 0; c < Contexts; c++)
            for (var t = 0; t < Ctx; t++) yield return Value(c, t, unit);
    }
}

/// <summary>Assertions on records.</summary>
internal static class RecordsAssert
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>The record as JSON: every field, exact floats (the round-trip form).</summary>
    public static string Text(UnitRecord record) => JsonSerializer.Serialize(record, Json);

    public static void Same(UnitRecord expected, UnitRecord actual) => Assert.Equal(Text(expected), Text(actual));

    public static void Same(IReadOnlyList<UnitRecord> expected, IReadOnlyList<UnitRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++) Same(expected[i], actual[i]);
    }

    /// <summary>Every window of the record holds the store's tokens and values for the unit.</summary>
    public static void WindowsMatchStore(SyntheticStore store, UnitRecord record)
    {
        var windows = record.Top.Concat(record.Random).Concat(record.RandomActivating).Concat(record.NonActivating)
            .Concat(record.Bands.SelectMany(b => b.Records));
        foreach (var w in windows)
            for (var i = 0; i < w.Activations.Length; i++)
            {
                Assert.Equal(store.Value(w.Context, w.Start + i, record.Id.Index), w.Activations[i]);
                Assert.Equal(store.Tokens[w.Context * SyntheticStore.Ctx + w.Start + i], w.TokenIds[i]);
                Assert.Equal($"<{w.TokenIds[i]}>", w.Tokens[i]);
            }
    }
}

/// <summary>Builds records directly (no job, no model) from a store folder.</summary>
internal static class Build
{
    public static RecordOptions Options(int seed = 0, int window = 8) => new()
    {
        Window = window, Top = 5, BandSamples = 3, Random = 4, RandomActivating = 4, NonActivating = 4, HistogramBins = 10, Seed = seed,
    };

    public static UnitRecord[] Records(string folder, RecordOptions options, IReadOnlyList<int>? units = null)
    {
        using var reader = ActivationStoreReader.Open(folder);
        var source = new StoreBlockSource(reader);
        var builder = new RecordBuilder(source, SyntheticStore.Hook, options, id => $"<{id}>", effects: null);
        return builder.Build(units ?? Enumerable.Range(0, source.Width).ToArray()).SelectMany(c => c).ToArray();
    }
}

/// <summary>Floats equal to within an absolute tolerance.</summary>
internal sealed class Tolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

    public int GetHashCode(float obj) => 0;
}

/// <summary>Records manifests for tests that need one but no real job.</summary>
internal static class TestManifests
{
    public static ModelIdentity Model(string name = "test-model") => new(name, new string('b', 64), new System.Text.Json.Nodes.JsonObject { ["n_layer"] = 2 });

    /// <summary>A manifest of <paramref name="units"/> neurons of <paramref name="hook"/> (width <paramref name="width"/>), 32 contexts of 64 tokens.</summary>
    public static RecordsManifest Neurons(string hook, int width, int units) => new()
    {
        Kind = "neuron", Source = hook, Hook = hook, SourceUnits = width, Model = Model(),
        Corpus = new RecordsCorpus([new CorpusFile("corpus.txt", new string('c', 64), 2048)], 2048, "test", MaxTokens: null, PrependBos: false),
        Ctx = 64, Contexts = 32, Tokens = 2048, Options = RecordsSampling.Of(new RecordOptions()), Units = "all", UnitCount = units,
    };
}
