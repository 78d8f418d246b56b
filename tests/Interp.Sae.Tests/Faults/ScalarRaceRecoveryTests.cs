using System.Text.Json;
using Interp.Core;

namespace Interp.Sae.Tests.Faults;

/// <summary>
/// TorchSharp can free a temporary scalar while libtorch reads it (<see cref="Interp.Model.TorchSharpScalarRace"/>); the
/// trainer then goes back to its newest checkpoint, or to the start, and the run ends where an unbroken one ends.
/// </summary>
public sealed class ScalarRaceRecoveryTests
{
    private static SaeTrainingOptions Options(string dir) => new()
    {
        OutDirectory = dir, Architecture = SaeArchitecture.TopK, DSae = 64, K = 4, BatchSize = 64, TrainingTokens = 64 * 20,
        LearningRate = 3e-3, WarmupSteps = 3, InitSamples = 64, DeadWindowSteps = 5, CheckpointEvery = 5, LogEvery = 1,
        Device = "cpu", HookName = "blocks.1.hook_resid_pre", ModelName = "tiny-random-gpt2",
    };

    [Theory]
    [InlineData(12, 10)]   // after a checkpoint: back to it
    [InlineData(3, 0)]     // before the first: back to the start
    public void A_run_that_meets_the_scalar_race_recovers_and_ends_where_an_unbroken_run_ends(int failAt, int backTo)
    {
        using var dir = new TempDir();
        var source = new SyntheticDictionarySource(d: 16, directions: 48, minActive: 2, maxActive: 4);
        float[] straight;
        using (var result = new SaeTrainer(Options(dir["straight"]), source).Run())
            straight = T.ToArray(result.Sae.DecoderWeight).Concat(T.ToArray(result.Sae.EncoderBias)).ToArray();

        var recoveredAt = new List<int>();
        var options = Options(dir["broken"]);
        using var broken = new SaeTrainer(options, source) { SimulateScalarRaceAtStep = failAt, Recovered = recoveredAt.Add }.Run();
        Assert.Equal([backTo], recoveredAt);
        Assert.Equal(20, broken.Steps);
        var ended = T.ToArray(broken.Sae.DecoderWeight).Concat(T.ToArray(broken.Sae.EncoderBias)).ToArray();
        Assert.True(straight.Zip(ended, (a, b) => Math.Abs(a - b)).Max() <= 1e-6f, "the recovered run differs from the unbroken one");
        var logged = File.ReadLines(Path.Combine(options.OutDirectory, SaeTrainer.LogFileName))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()).ToArray();
        Assert.Equal(Enumerable.Range(1, 20), logged);                                        // the steps run again are logged once
    }
}
