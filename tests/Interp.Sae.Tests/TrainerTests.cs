using System.Text.Json;
using Interp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

public sealed class TrainerTests
{
    private static SyntheticDictionarySource SmallSource() => new(d: 16, directions: 48, minActive: 2, maxActive: 4);

    private static SaeTrainingOptions SmallOptions(string dir, SaeArchitecture architecture = SaeArchitecture.TopK) => new()
    {
        OutDirectory = dir,
        Architecture = architecture,
        DSae = 64,
        K = 4,
        BatchSize = 64,
        TrainingTokens = 64 * 20,
        LearningRate = 3e-3,
        WarmupSteps = 3,
        InitSamples = 64,
        DeadWindowSteps = 5,
        CheckpointEvery = 5,
        LogEvery = 1,
        Device = "cpu",
        HookName = "blocks.1.hook_resid_pre",
        ModelName = "tiny-random-gpt2",
    };

    [Fact]
    public void Resuming_after_an_interruption_continues_at_the_same_step_and_ends_where_an_uninterrupted_run_ends()
    {
        using var dir = new TempDir();
        var source = SmallSource();
        float[] straight;
        using (var result = new SaeTrainer(SmallOptions(dir["straight"], SaeArchitecture.BatchTopK), source).Run())
            straight = T.ToArray(result.Sae.DecoderWeight).Concat(T.ToArray(result.Sae.EncoderBias)).ToArray();

        var options = SmallOptions(dir["interrupted"], SaeArchitecture.BatchTopK);
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() =>
            new SaeTrainer(options, source, p => { if (p.Step == 12) cancel.Cancel(); }).Run(cancel.Token));
        var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(options.OutDirectory, "checkpoint", "state.json")));
        Assert.Equal(12, state.RootElement.GetProperty("Step").GetInt32());

        var steps = new List<int>();
        using var resumed = new SaeTrainer(options, source, p => steps.Add(p.Step)).Run();
        Assert.Equal(13, steps[0]);
        Assert.Equal(20, resumed.Steps);
        var continued = T.ToArray(resumed.Sae.DecoderWeight).Concat(T.ToArray(resumed.Sae.EncoderBias)).ToArray();
        Assert.Equal(straight.Length, continued.Length);
        var worst = straight.Zip(continued, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-6f, $"resumed run differs from the uninterrupted one by {worst}");

        var logged = File.ReadLines(Path.Combine(options.OutDirectory, SaeTrainer.LogFileName))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()).ToArray();
        Assert.Equal(Enumerable.Range(1, 20), logged);
        Assert.Equal(5, SaeConfig.Load(Path.Combine(options.OutDirectory, SaeFolder.ConfigFileName)).DeadFeatureWindow);  // kept through the checkpoint
    }

    [Fact]
    public void A_nan_loss_stops_the_run_naming_the_step_and_leaves_a_valid_checkpoint()
    {
        using var dir = new TempDir();
        var source = SmallSource();
        source.PoisonedBatches.Add(7);                                                         // the 8th step's data
        var options = SmallOptions(dir.Path);
        var e = Assert.Throws<InterpException>(() => new SaeTrainer(options, source).Run());
        Assert.Contains("step 8", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var checkpoint = Path.Combine(dir.Path, "checkpoint");
        var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, "state.json")));
        Assert.Equal(7, state.RootElement.GetProperty("Step").GetInt32());
        using var sae = SparseAutoencoder.Load(checkpoint);                                    // loads: shapes right, no NaN
        using var x = T.RandomRows(4, 16, seed: 1);
        using var y = sae.forward(x);
        using var finite = y.isfinite().all();
        Assert.True(finite.item<bool>());
        Assert.False(Directory.Exists(checkpoint + ".tmp"));
        Assert.Empty(Directory.GetFiles(checkpoint, "*.tmp"));
    }

    [Theory]
    [InlineData(SaeArchitecture.Relu)]
    [InlineData(SaeArchitecture.JumpRelu)]
    public void Decoder_rows_stay_at_unit_norm_through_training(SaeArchitecture architecture)
    {
        using var dir = new TempDir();
        using var result = new SaeTrainer(SmallOptions(dir.Path, architecture) with { LearningRate = 1e-2 }, SmallSource()).Run();
        using var norms = result.Sae.DecoderWeight.detach().norm(1);
        var values = T.ToArray(norms);
        Assert.All(values, n => Assert.InRange(n, 1 - 1e-5f, 1 + 1e-5f));
    }

    [Fact]
    public void The_training_log_has_one_line_per_report_with_the_fields_the_web_ui_plots()
    {
        using var dir = new TempDir();
        var reports = new List<SaeTrainProgress>();
        using var result = new SaeTrainer(SmallOptions(dir.Path) with { LogEvery = 4 }, SmallSource(), reports.Add).Run();
        var lines = File.ReadAllLines(Path.Combine(dir.Path, SaeTrainer.LogFileName));
        Assert.Equal(5, lines.Length);
        Assert.Equal([4, 8, 12, 16, 20], reports.Select(r => r.Step));
        var last = JsonDocument.Parse(lines[^1]).RootElement;
        foreach (var key in new[] { "step", "tokens", "loss", "mse", "l0", "explained_variance", "dead_fraction", "lr", "tokens_per_second" })
            Assert.True(last.TryGetProperty(key, out _), $"log line lacks '{key}': {lines[^1]}");
        Assert.Equal(20 * 64, last.GetProperty("tokens").GetInt64());
        Assert.Equal(4.0, last.GetProperty("l0").GetDouble(), 6);                               // topk: exactly k per token
        Assert.True(File.Exists(Path.Combine(dir.Path, "cfg.json")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "sae_weights.safetensors")));
        Assert.Equal(dir.Path, result.Sae.SourceDirectory);
    }

    [Fact]
    public void The_input_scale_is_saelens_root_d_in_over_the_mean_norm_kept_in_the_checkpoint_and_folded_into_the_final_weights()
    {
        using var dir = new TempDir();
        var source = SmallSource();
        using var result = new SaeTrainer(SmallOptions(dir.Path) with { TrainingTokens = 64, InitSamples = 256 }, source).Run();
        var rows = source.Batches(64, 42).Take(4).SelectMany(b => b).ToArray();
        double sumOfNorms = 0;
        for (var r = 0; r < rows.Length / 16; r++) sumOfNorms += Math.Sqrt(rows.Skip(r * 16).Take(16).Sum(v => (double)v * v));
        var expected = Math.Sqrt(16) / (sumOfNorms / (rows.Length / 16));
        var checkpoint = SaeConfig.Load(Path.Combine(dir.Path, "checkpoint", "cfg.json"));
        Assert.Equal(SaeConfig.NormalizeExpectedAverage, checkpoint.NormalizeActivations);
        Assert.Equal(expected, checkpoint.ScalingFactor!.Value, 6);
        var final = SaeConfig.Load(Path.Combine(dir.Path, "cfg.json"));
        Assert.Equal((SaeConfig.NormalizeNone, (double?)null), (final.NormalizeActivations, final.ScalingFactor));
        using var saved = SparseAutoencoder.Load(dir.Path);
        using var rowNorms = saved.DecoderWeight.norm(1);
        Assert.Equal(1 / expected, T.ToArray(rowNorms).Average(), 4);                          // unit rows divided by s
    }

    [Fact]
    public void A_batchtopk_sae_fires_about_k_latents_per_token_at_inference_with_its_learned_threshold()
    {
        using var dir = new TempDir();
        var source = new SyntheticDictionarySource(d: 64, directions: 256, minActive: 4, maxActive: 8);
        var options = new SaeTrainingOptions
        {
            OutDirectory = dir.Path,
            Architecture = SaeArchitecture.BatchTopK,
            DSae = 512,
            K = 8,
            BatchSize = 256,
            TrainingTokens = 256 * 200,
            LearningRate = 4e-3,
            WarmupSteps = 10,
            DeadWindowSteps = 20,
            CheckpointEvery = 1000,
            LogEvery = 50,
            Device = "cpu",
        };
        using var result = new SaeTrainer(options, source).Run();
        var metrics = SaeEvaluator.Evaluate(result.Sae, source.Batches(256, seed: 999).Take(8));
        Assert.InRange(metrics.L0, 8 * 0.75, 8 * 1.25);
        Assert.True(metrics.ExplainedVariance > 0.5, $"explained variance {metrics.ExplainedVariance}");
    }

    [Fact]
    public void The_learning_rate_warms_up_then_decays_linearly_over_the_last_fifth()
    {
        var trainer = new SaeTrainer(SmallOptions("unused") with { TrainingTokens = 64 * 100, WarmupSteps = 10, LearningRate = 1.0 }, SmallSource());
        Assert.Equal(0.1, trainer.LearningRateAt(0), 12);
        Assert.Equal(1.0, trainer.LearningRateAt(9), 12);
        Assert.Equal(1.0, trainer.LearningRateAt(79), 12);
        Assert.Equal(1.0, trainer.LearningRateAt(80), 12);                                      // 20 steps left of 20
        Assert.Equal(0.5, trainer.LearningRateAt(90), 12);
        Assert.Equal(0.05, trainer.LearningRateAt(99), 12);
        var cosine = new SaeTrainer(SmallOptions("unused") with { TrainingTokens = 64 * 100, WarmupSteps = 0, Decay = LearningRateDecay.Cosine, LearningRate = 1.0 }, SmallSource());
        Assert.Equal(1.0, cosine.LearningRateAt(0), 12);
        Assert.Equal(0.5, cosine.LearningRateAt(50), 12);
        Assert.Equal(4.0, new SaeTrainer(SmallOptions("unused") with { TrainingTokens = 64 * 100, SparsityCoefficient = 8, SparsityWarmupSteps = 10 }, SmallSource()).SparsityCoefficientAt(4), 12);
    }

    [Fact]
    public void A_checkpoint_made_with_other_options_is_not_resumed()
    {
        using var dir = new TempDir();
        var source = SmallSource();
        using (new SaeTrainer(SmallOptions(dir.Path), source).Run()) { }
        var e = Assert.Throws<InterpException>(() => new SaeTrainer(SmallOptions(dir.Path) with { K = 5 }, source).Run());
        Assert.Contains("checkpoint", e.Message);
    }

    [Fact]
    public void Training_and_disposing_leave_no_live_tensors_behind()
    {
        using var dir = new TempDir();
        var source = SmallSource();
        using (new SaeTrainer(SmallOptions(dir["warm"]) with { TrainingTokens = 64 * 3 }, source).Run()) { }
        var before = T.LiveTensors;
        using (new SaeTrainer(SmallOptions(dir["run"], SaeArchitecture.JumpRelu) with { TrainingTokens = 64 * 12 }, source).Run()) { }
        Assert.Equal(before, T.LiveTensors);
    }
}
