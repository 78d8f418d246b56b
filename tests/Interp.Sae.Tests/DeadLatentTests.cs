using System.Text.Json;

namespace Interp.Sae.Tests;

/// <summary>
/// Dead latents on a short TopK run over a small store (2,048 rows mixing 1–3 of 16 directions, 1,024 latents, k = 2,
/// 160 steps of 128 = 10 passes): most latents are never picked, so they die early, and the dead-latent window (a tenth
/// of the run by default, 16 steps) must count them within the run.
/// </summary>
public sealed class DeadLatentTests
{
    private const int D = 16, BatchSize = 128, StoreRows = 2048, StepsPerPass = StoreRows / BatchSize;

    private static InMemoryActivationSource SmallStore() =>
        new(new SyntheticDictionarySource(D, directions: 16, minActive: 1, maxActive: 3).Batches(StoreRows, seed: 5).First(), D);

    private static SaeTrainingOptions Options(string dir) => new()
    {
        OutDirectory = dir,
        Architecture = SaeArchitecture.TopK,
        DSae = 1024,
        K = 2,
        BatchSize = BatchSize,
        TrainingTokens = BatchSize * 160,
        LearningRate = 3e-3,
        WarmupSteps = 5,
        InitSamples = 512,
        CheckpointEvery = 1000,
        LogEvery = 10,
        Device = "cpu",
        HookName = "blocks.1.hook_resid_pre",
    };

    /// <summary>The evaluation's dead latents (never fired) over every row of the store, with the final weights.</summary>
    private static SaeActivationMetrics EvaluateOnTheStore(SparseAutoencoder sae, InMemoryActivationSource store) =>
        SaeEvaluator.Evaluate(sae, store.Batches(BatchSize, seed: 0).Take(StepsPerPass));

    private static JsonElement[] Log(string dir) =>
        File.ReadLines(Path.Combine(dir, SaeTrainer.LogFileName)).Select(l => JsonDocument.Parse(l).RootElement).ToArray();

    [Fact]
    public void A_short_topk_run_in_which_latents_die_logs_aux_loss_and_dead_fraction_and_records_its_window()
    {
        using var dir = new TempDir();
        var store = SmallStore();
        using (new SaeTrainer(Options(dir["auxk"]), store).Run()) { }
        using (new SaeTrainer(Options(dir["no-auxk"]) with { AuxKCoefficient = 0 }, store).Run()) { }

        var log = Log(dir["auxk"]);
        Assert.Contains(log, line => line.GetProperty("aux_loss").GetDouble() > 0);
        Assert.Contains(log, line => line.GetProperty("dead_fraction").GetDouble() > 0);
        Assert.All(Log(dir["no-auxk"]), line => Assert.Equal(0, line.GetProperty("aux_loss").GetDouble()));
        var config = SaeConfig.Load(Path.Combine(dir["auxk"], SaeFolder.ConfigFileName));
        Assert.Equal(16, config.DeadFeatureWindow);                                              // a tenth of 160 steps
        Assert.Equal(1.0 / 32, config.AuxKCoefficient);
        Assert.Equal(SaeConfig.AuxKLossNormalized, config.AuxKLoss);
    }

    [Fact]
    public void The_logged_dead_fraction_agrees_with_the_evaluation_on_the_training_data()
    {
        using var dir = new TempDir();
        var store = SmallStore();
        using var result = new SaeTrainer(Options(dir.Path), store).Run();
        var logged = Log(dir.Path)[^1].GetProperty("dead_fraction").GetDouble();
        var evaluated = EvaluateOnTheStore(result.Sae, store).DeadFraction;
        Assert.True(evaluated > 0.2, $"the run was meant to leave many latents dead; the evaluation finds {evaluated:P1}");
        Assert.True(Math.Abs(logged - evaluated) <= 0.03, $"training log says {logged:P1} dead, the evaluation on the training rows {evaluated:P1}");
    }
}
