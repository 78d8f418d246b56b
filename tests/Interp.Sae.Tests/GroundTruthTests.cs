using Xunit.Abstractions;

namespace Interp.Sae.Tests;

/// <summary>
/// SAEs trained on data made from a known dictionary (512 random unit directions in 128 dimensions, each row a
/// non-negative mix of 4–8 of them) must find it: for each true direction, the best-matching decoder row has a cosine
/// of at least 0.9 on average.
/// </summary>
public sealed class GroundTruthTests(ITestOutputHelper output)
{
    private const int D = 128, Directions = 512;

    [Fact]
    public void A_topk_sae_recovers_the_true_dictionary()
    {
        var source = new SyntheticDictionarySource(D, Directions, 4, 8);
        using var dir = new TempDir();
        var options = new SaeTrainingOptions
        {
            OutDirectory = dir.Path,
            Architecture = SaeArchitecture.TopK,
            DSae = 1024,
            K = 8,
            BatchSize = 512,
            TrainingTokens = 512L * 300,
            LearningRate = 4e-3,
            WarmupSteps = 20,
            DeadWindowSteps = 20,
            CheckpointEvery = 100_000,
            LogEvery = 50,
            Device = "cpu",
        };
        using var result = new SaeTrainer(options, source).Run();
        var cosine = source.MeanMaxCosine(result.Sae);
        output.WriteLine($"topk: mean max cosine {cosine:F4}, last {result.Last}");
        Assert.True(cosine >= 0.9, $"mean max cosine {cosine:F4} < 0.9 ({result.Last})");
    }

    [Fact]
    public void A_relu_sae_recovers_the_true_dictionary()
    {
        var source = new SyntheticDictionarySource(D, Directions, 4, 8);
        using var dir = new TempDir();
        var options = new SaeTrainingOptions
        {
            OutDirectory = dir.Path,
            Architecture = SaeArchitecture.Relu,
            DSae = 1024,
            BatchSize = 64,                  // ReLU + L1 needs many small steps more than many tokens
            TrainingTokens = 64L * 2500,
            LearningRate = 4e-3,
            WarmupSteps = 20,
            SparsityCoefficient = 2.0,       // on inputs normalised to E‖x‖² = d_in
            CheckpointEvery = 100_000,
            LogEvery = 50,
            Device = "cpu",
        };
        using var result = new SaeTrainer(options, source).Run();
        var cosine = source.MeanMaxCosine(result.Sae);
        output.WriteLine($"relu: mean max cosine {cosine:F4}, last {result.Last}");
        Assert.True(cosine >= 0.9, $"mean max cosine {cosine:F4} < 0.9 ({result.Last})");
    }
}
