using Interp.Core.Hooks;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

/// <summary>
/// Transcoders trained with the SAE trainer on (x, y) pairs, evaluated against y, and spliced into a model in place of
/// an MLP's output.
/// </summary>
public sealed class TranscoderTrainingTests
{
    private const int DIn = 16, DOut = 8;

    /// <summary>Pairs [x | y] with x from a sparse dictionary and y = <paramref name="target"/>(x).</summary>
    private static InMemoryActivationSource Pairs(Func<Tensor, Tensor> target, int rows = 4096)
    {
        var x = new SyntheticDictionarySource(d: DIn, directions: 48, minActive: 2, maxActive: 4).Batches(rows, seed: 3).First();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(x, [rows, DIn]);
        var pairs = cat([input, target(input)], 1).contiguous();
        return new InMemoryActivationSource(pairs.data<float>().ToArray(), DIn + DOut);
    }

    /// <summary>A fixed random matrix [d_out, d_in].</summary>
    private static Tensor Matrix(int seed, long rows = DOut, long columns = DIn)
    {
        using var generator = new Generator((ulong)seed, CPU);
        return randn(rows, columns, generator: generator) / MathF.Sqrt(columns);
    }

    private static SaeTrainingOptions Options(string output, SaeArchitecture architecture, bool skip) => new()
    {
        OutDirectory = output, Architecture = architecture, DSae = 64, K = 8, BatchSize = 128, TrainingTokens = 128 * 400,
        LearningRate = 3e-3, WarmupSteps = 10, InitSamples = 512, CheckpointEvery = 1000, LogEvery = 50, Device = "cpu",
        HookName = HookName.Ln2Normalized(0).Name, OutputHookName = HookName.MlpOut(0).Name, OutputWidth = DOut, Skip = skip,
        SparsityCoefficient = 0.05,
    };

    [Fact]
    public void A_topk_transcoder_learns_a_one_layer_relu_mlp_and_its_saved_folder_measures_the_same_against_the_targets()
    {
        using var dir = new TempDir();
        using var up = Matrix(1, 12, DIn);                                                         // a 12-neuron MLP: 12 ≤ k + room
        using var down = Matrix(2, DOut, 12);
        var source = Pairs(x => nn.functional.relu(x.matmul(up.t()) - 0.1f).matmul(down.t()));
        using var trained = new SaeTrainer(Options(dir["tc"], SaeArchitecture.TopK, skip: false), source).Run();

        using var loaded = SparseAutoencoder.Load(dir["tc"]);
        Assert.Equal((true, DIn, DOut), (loaded.Config.IsTranscoder, loaded.DIn, loaded.DOut));
        var rows = source.Batches(1024, seed: 9).First();
        var metrics = SaeEvaluator.Evaluate(loaded, [rows]);
        Assert.True(metrics.ExplainedVariance > 0.7, $"explained variance of the MLP output {metrics.ExplainedVariance}");   // 0.79 at this seed
        // The evaluator's figure is Transcode(x) against y, computed here directly.
        using var pairs = tensor(rows, [1024, DIn + DOut]);
        using var output = loaded.Transcode(pairs.narrow(1, 0, DIn));
        using var y = pairs.narrow(1, DIn, DOut);
        var fvu = (output - y).pow(2).sum().item<float>() / (y - y.mean([0], keepdim: true)).pow(2).sum().item<float>();
        Assert.Equal(1 - fvu, metrics.ExplainedVariance, 3);
    }

    [Fact]
    public void A_skip_transcoder_learns_a_linear_map_in_its_skip_connection_which_a_plain_one_cannot_match()
    {
        using var dir = new TempDir();
        using var map = Matrix(3);
        var source = Pairs(x => x.matmul(map.t()));
        using var skip = new SaeTrainer(Options(dir["skip"], SaeArchitecture.TopK, skip: true) with { K = 2 }, source).Run();
        using var plain = new SaeTrainer(Options(dir["plain"], SaeArchitecture.TopK, skip: false) with { K = 2 }, source).Run();

        var rows = source.Batches(1024, seed: 9).First();
        var (withSkip, without) = (SaeEvaluator.Evaluate(skip.Sae, [rows]).ExplainedVariance, SaeEvaluator.Evaluate(plain.Sae, [rows]).ExplainedVariance);
        Assert.True(withSkip > 0.99, $"skip transcoder: explained variance {withSkip}");
        Assert.True(without < withSkip - 0.05, $"plain {without} vs skip {withSkip}");
        using var learned = SparseAutoencoder.Load(dir["skip"]);                                  // W_skip saved and read back
        using (no_grad()) learned.SkipWeight!.zero_();
        var withoutSkip = SaeEvaluator.Evaluate(learned, [rows]).ExplainedVariance;
        Assert.True(withoutSkip < withSkip - 0.2, $"the skip connection carries the map: {withoutSkip} without it, {withSkip} with it");
    }

    [Fact]
    public void A_skip_transcoder_resumed_after_an_interruption_ends_where_an_uninterrupted_run_ends()
    {
        using var dir = new TempDir();
        using var map = Matrix(5);
        var source = Pairs(x => nn.functional.relu(x.matmul(map.t())));
        TrainedWeights Weights(SparseAutoencoder sae) => new(T.ToArray(sae.DecoderWeight), T.ToArray(sae.SkipWeight!), T.ToArray(sae.EncoderBias));
        var options = Options(dir["straight"], SaeArchitecture.JumpRelu, skip: true) with { TrainingTokens = 128 * 30, LogEvery = 1 };
        TrainedWeights straight;
        using (var result = new SaeTrainer(options, source).Run()) straight = Weights(result.Sae);

        var interrupted = options with { OutDirectory = dir["interrupted"] };
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => new SaeTrainer(interrupted, source, p => { if (p.Step == 12) cancel.Cancel(); }).Run(cancel.Token));
        using var resumed = new SaeTrainer(interrupted, source).Run();

        var continued = Weights(resumed.Sae);
        Assert.Equal(straight.Decoder, continued.Decoder, new FloatTolerance(1e-6f));
        Assert.Equal(straight.Skip, continued.Skip, new FloatTolerance(1e-6f));
        Assert.Equal(straight.EncoderBias, continued.EncoderBias, new FloatTolerance(1e-6f));
        Assert.Contains(straight.Skip, v => v != 0);                                            // the skip connection trained
    }

    private sealed record TrainedWeights(float[] Decoder, float[] Skip, float[] EncoderBias);

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }

    [Fact]
    public void A_transcoder_that_writes_nothing_spliced_in_for_the_mlp_costs_what_zero_ablating_the_mlp_costs()
    {
        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        var d = model.Config.NEmbd;
        using var transcoder = SparseAutoencoder.Create(new SaeConfig
        {
            Architecture = SaeArchitecture.Relu, DIn = d, DSae = 16, DOut = d, IsTranscoder = true, ApplyBDecToInput = false,
            HookName = HookName.Ln2Normalized(1).Name, HookLayer = 1, OutputHookName = HookName.MlpOut(1).Name,
        }, seed: 2);
        using (no_grad()) transcoder.DecoderWeight.zero_();
        using var generator = new Generator(4, CPU);
        using var tokens = randint(0, model.Config.VocabSize, [4, 16], generator: generator);

        var metrics = SaeEvaluator.EvaluateInModel(model, transcoder, tokens);
        Assert.NotEqual(metrics.CeClean, metrics.CeZeroAblation);                                 // the MLP matters
        Assert.Equal(metrics.CeZeroAblation, metrics.CeSae, 5);
        Assert.Equal(0, metrics.LossRecovered, 4);
    }
}
