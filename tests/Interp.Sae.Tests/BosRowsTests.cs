using Interp.Core;
using Interp.Core.Store;
using Interp.Model;

namespace Interp.Sae.Tests;

/// <summary>
/// Two stores written with the store writer: <see cref="WithBos"/> holds 40 contexts of 16 positions whose position 0 is a
/// prepended BOS with an activation 1,000 times the others' norm (as GPT-2's BOS is an outlier), and
/// <see cref="WithoutBos"/> holds the same contexts' other 15 positions, in the same order and row groups, and no BOS.
/// </summary>
public sealed class BosStores : IDisposable
{
    private readonly TempDir _dir = new();
    public const int Contexts = 40, Ctx = 16, D = 8, Bos = 50256;

    public BosStores()
    {
        var random = new Random(3);
        var values = new float[Contexts * Ctx * D];
        var tokens = new int[Contexts * Ctx];
        for (var row = 0; row < Contexts * Ctx; row++)
        {
            var bos = row % Ctx == 0;
            tokens[row] = bos ? Bos : random.Next(1000);
            for (var j = 0; j < D; j++) values[row * D + j] = (float)(random.NextDouble() * 2 - 1) * (bos ? 1000 : 1);
        }
        WithBos = Write("with-bos", Ctx, prependBos: true, tokens, values);
        var kept = Enumerable.Range(0, Contexts * Ctx).Where(r => r % Ctx != 0).ToArray();
        NonBosRows = kept.SelectMany(r => values.AsSpan(r * D, D).ToArray()).ToArray();
        WithoutBos = Write("without-bos", Ctx - 1, prependBos: false, kept.Select(r => tokens[r]).ToArray(), NonBosRows);
    }

    /// <summary>The hook folder of the store with BOS rows.</summary>
    public string WithBos { get; }

    /// <summary>The hook folder of the store without them.</summary>
    public string WithoutBos { get; }

    /// <summary>The non-BOS rows, row-major, in store order.</summary>
    public float[] NonBosRows { get; }

    private string Write(string name, int ctx, bool prependBos, int[] tokens, float[] values)
    {
        var folder = _dir[name];
        ArrayStore.Write(folder, new ModelIdentity("synthetic", new string('0', 64), new System.Text.Json.Nodes.JsonObject()),
            "blocks.0.hook_resid_pre", D, ctx, tokens, values, prependBos ? Bos : null);
        return folder;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>SAE training and its scaling estimate never see the BOS rows of a store whose contexts start with one.</summary>
public sealed class BosRowsTests(BosStores stores) : IClassFixture<BosStores>
{
    private const int Served = BosStores.Contexts * (BosStores.Ctx - 1);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_training_source_serves_every_row_but_the_bos_rows(bool inMemory)
    {
        using var source = StoreActivationSource.Open(stores.WithBos, inMemory: inMemory, shuffleBufferRows: 100);
        Assert.Equal(Served, source.Rows);
        Assert.Equal(BosStores.Contexts, source.Reader.BosRows);

        var d = BosStores.D;
        string Key(float[] rows, int r) => string.Join(',', rows.AsSpan(r * d, d).ToArray());
        var expected = Enumerable.Range(0, Served).Select(r => Key(stores.NonBosRows, r)).Order().ToArray();
        var pass = source.Batches(100, seed: 4).Take(Served / 100).SelectMany(b => Enumerable.Range(0, 100).Select(r => Key(b, r))).Order().ToArray();
        Assert.Equal(expected, pass);                                                           // one pass: exactly the non-BOS rows
    }

    [Fact]
    public void Training_on_a_store_with_bos_rows_equals_training_on_the_same_store_without_them()
    {
        using var dir = new TempDir();
        SaeTrainingOptions Options(string name) => new()
        {
            OutDirectory = dir[name], Architecture = SaeArchitecture.TopK, DSae = 16, K = 2, BatchSize = 100, TrainingTokens = 100 * 12,
            LearningRate = 3e-3, WarmupSteps = 2, InitSamples = Served, Seed = 5, Device = "cpu",
        };
        using var withBos = StoreActivationSource.Open(stores.WithBos, inMemory: true);
        using var withoutBos = StoreActivationSource.Open(stores.WithoutBos, inMemory: true);
        using var a = new SaeTrainer(Options("a"), withBos).Run();
        using var b = new SaeTrainer(Options("b"), withoutBos).Run();

        // The scaling estimate saw the same rows: a BOS row 1,000 times the others' norm would move it by orders of magnitude.
        Assert.Equal(b.Sae.Config.ScalingFactor, a.Sae.Config.ScalingFactor);
        Assert.Equal(T.ToArray(b.Sae.DecoderWeight), T.ToArray(a.Sae.DecoderWeight));
        Assert.Equal(T.ToArray(b.Sae.EncoderBias), T.ToArray(a.Sae.EncoderBias));
    }

    [Fact]
    public void The_scaling_estimate_ignores_the_bos_rows()
    {
        using var dir = new TempDir();
        using var withBos = StoreActivationSource.Open(stores.WithBos, inMemory: false, shuffleBufferRows: 100);
        using var result = new SaeTrainer(new SaeTrainingOptions
        {
            OutDirectory = dir.Path, Architecture = SaeArchitecture.TopK, DSae = 16, K = 2, BatchSize = 100, TrainingTokens = 100,
            InitSamples = Served, Device = "cpu",
        }, withBos).Run();
        var expected = SaeInit.ScalingFactor(stores.NonBosRows, BosStores.D);                  // over the non-BOS rows only
        Assert.NotNull(result.Sae.Config.ScalingFactor);
        Assert.Equal(expected, result.Sae.Config.ScalingFactor!.Value, 4);
    }
}
