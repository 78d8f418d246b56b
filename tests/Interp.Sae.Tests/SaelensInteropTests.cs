using System.Text.Json.Nodes;
using Interp.Core.Safetensors;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

/// <summary>
/// SAE folders crossing between Interp and SAELens, checked against <c>tests/scripts/saelens_reference.py</c>: an
/// independent numpy writer and reader that follows SAELens's source (no Interp code, no torch).
/// </summary>
public sealed class SaelensInteropTests
{
    private const int D = 16;

    private static float[] Rows(int count, int seed = 5) =>
        new SyntheticDictionarySource(d: D, directions: 48, minActive: 2, maxActive: 4).Batches(count, seed).First()
            .Select((v, i) => v * 3 + (i % D) * 0.25f).ToArray();                              // off-centre, norm ≠ 1

    public static TheoryData<string, string, bool> ScriptForms => new()
    {
        { "6", "jumprelu", false },
        { "5", "standard", false },
        { "6", "topk", true },                                                                  // rescale_acts_by_decoder_norm
        { "5", "topk", false },                                                                 // "standard" + activation_fn_str "topk"
    };

    [NumpyTheory]
    [MemberData(nameof(ScriptForms))]
    public void A_folder_written_by_the_independent_script_encodes_and_decodes_here_as_saelens_does(string form, string arch, bool rescale)
    {
        using var dir = new TempDir();
        var rows = Rows(512);
        SaelensReference.WriteFloats(dir["rows.f32"], rows);
        string[] options = ["--form", form, "--arch", arch, "--rows", dir["rows.f32"], "--d-in", $"{D}", "--d-sae", "64", "--seed", "3",
            "--k", "5", "--hook", "blocks.2.hook_resid_post", "--context-size", "96", "--apply-b-dec", form == "6" && arch == "jumprelu" ? "false" : "true"];
        SaelensReference.Run(["write", dir["sae"], .. options, .. rescale ? ["--rescale-by-decoder-norm"] : Array.Empty<string>()]);
        var (latents, reconstruction, l0, _) = SaelensReference.Encode(dir["sae"], dir["rows.f32"], dir["reference"]);

        using var sae = SparseAutoencoder.Load(dir["sae"]);
        Assert.Equal(arch switch { "jumprelu" => SaeArchitecture.JumpRelu, "topk" => SaeArchitecture.TopK, _ => SaeArchitecture.Relu },
            sae.Config.Architecture);
        Assert.Equal(("blocks.2.hook_resid_post", 2, 96, "gpt2-tiny"), (sae.Config.HookName, sae.Config.HookLayer, sae.Config.ContextSize, sae.Config.ModelName));
        Assert.False(sae.Config.ModelProcessing.CenterWritingWeights);
        using var x = tensor(rows, [rows.Length / D, D]);
        using var encoded = sae.Encode(x);
        using var decoded = sae.Decode(encoded);
        var ours = T.ToArray(encoded);
        Assert.InRange(l0, 1, 63);                                                              // latents fire, not all of them
        Assert.Equal(latents.Select(v => v > 0), ours.Select(v => v > 0));                      // the same latents fire
        AssertClose(latents, ours, "latents");
        AssertClose(reconstruction, T.ToArray(decoded), "reconstruction");
    }

    public static TheoryData<SaeArchitecture> Architectures => new(Enum.GetValues<SaeArchitecture>());

    [NumpyTheory]
    [MemberData(nameof(Architectures))]
    public void An_interp_trained_sae_read_with_saelens_inference_semantics_alone_reconstructs_with_the_explained_variance_interp_reports(SaeArchitecture architecture)
    {
        using var dir = new TempDir();
        var source = new SyntheticDictionarySource(d: D, directions: 48, minActive: 2, maxActive: 4);
        var options = new SaeTrainingOptions
        {
            OutDirectory = dir["sae"], Architecture = architecture, DSae = 64, K = 4, BatchSize = 64, TrainingTokens = 64 * 60,
            LearningRate = 3e-3, WarmupSteps = 3, InitSamples = 256, CheckpointEvery = 1000, LogEvery = 20, Device = "cpu",
            HookName = "blocks.1.hook_resid_pre", JumpReluInitialThreshold = 0.05, SparsityCoefficient = 0.2,
        };
        using var trained = new SaeTrainer(options, new ScaledSource(source, 7f)).Run();
        Assert.NotEqual(1.0, trained.Sae.Config.InputScale);                                   // the scale must be folded away
        var rows = new ScaledSource(source, 7f).Batches(512, seed: 99).First();
        SaelensReference.WriteFloats(dir["rows.f32"], rows);
        var reported = SaeEvaluator.Evaluate(trained.Sae, [rows]);

        var (_, _, l0, explainedVariance) = SaelensReference.Encode(dir["sae"], dir["rows.f32"], dir["reference"]);
        Assert.InRange(reported.ExplainedVariance, 0.1, 1.0);                                // it reconstructs something
        // The issue asks for 0.03; the same semantics agree to float rounding, so a tighter bound also catches a small drift.
        Assert.True(Math.Abs(explainedVariance - reported.ExplainedVariance) < 1e-3,
            $"SAELens semantics give explained variance {explainedVariance}, Interp reports {reported.ExplainedVariance}");
        Assert.True(Math.Abs(l0 - reported.L0) <= 0.01 * reported.L0, $"SAELens semantics give L0 {l0}, Interp reports {reported.L0}");
    }

    [Fact]
    public void The_final_folder_is_saelens_inference_form_and_the_checkpoint_keeps_the_training_form()
    {
        using var dir = new TempDir();
        var options = new SaeTrainingOptions
        {
            OutDirectory = dir.Path, Architecture = SaeArchitecture.BatchTopK, DSae = 64, K = 4, BatchSize = 64, TrainingTokens = 64 * 10,
            WarmupSteps = 2, InitSamples = 128, CheckpointEvery = 1000, LogEvery = 10, Device = "cpu", HookName = "blocks.1.hook_resid_pre",
        };
        using var trained = new SaeTrainer(options, new SyntheticDictionarySource(d: D, directions: 48, minActive: 2, maxActive: 4)).Run();

        var final = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "cfg.json")))!.AsObject();
        Assert.Equal(("jumprelu", "none"), ((string?)final["architecture"], (string?)final["normalize_activations"]));
        Assert.False(final.ContainsKey("scaling_factor"));
        using (var weights = SafetensorsFile.Open(Path.Combine(dir.Path, "sae_weights.safetensors")))
        {
            Assert.Equal(["W_dec", "W_enc", "b_dec", "b_enc", "threshold"], weights.Tensors.Keys.Order(StringComparer.Ordinal));
            var threshold = weights.ReadAsFloat32("threshold");
            using var expected = trained.Sae.GetThreshold()!;
            Assert.All(threshold, t => Assert.Equal(T.ToArray(expected)[0], t));               // one cutoff for every latent
        }

        var checkpoint = SaeConfig.Load(Path.Combine(dir.Path, "checkpoint", "cfg.json"));
        Assert.Equal((SaeArchitecture.BatchTopK, 4, SaeConfig.NormalizeExpectedAverage),
            (checkpoint.Architecture, checkpoint.K, checkpoint.NormalizeActivations));
        Assert.Equal(trained.Sae.Config.ScalingFactor, checkpoint.ScalingFactor);

        using var reloaded = SparseAutoencoder.Load(dir.Path);
        using var x = T.RandomRows(64, D, seed: 3, scale: 2f);
        using var expectedOut = trained.Sae.forward(x);
        using var actualOut = reloaded.forward(x);
        Assert.True(T.MaxAbsDifference(expectedOut, actualOut) < 1e-4, $"reloaded SAE differs by {T.MaxAbsDifference(expectedOut, actualOut)}");
    }

    [Fact]
    public void A_saelens_5_cfg_with_a_finetuning_scaling_factor_is_refused_naming_the_key()
    {
        var cfg = JsonNode.Parse("""{"d_in": 4, "d_sae": 8, "hook_point": "blocks.0.hook_resid_pre", "finetuning_scaling_factor": true}""")!.AsObject();
        var error = Assert.Throws<Interp.Core.InterpException>(() => SaeConfig.FromJson(cfg, "x/cfg.json"));
        Assert.Equal("x/cfg.json: 'finetuning_scaling_factor' true (SAELens ≤ 5's extra latent multiplier) is not supported", error.Message);
    }

    [Fact]
    public void Model_from_pretrained_kwargs_round_trip_and_a_non_object_is_refused_naming_the_key()
    {
        var config = T.Config(SaeArchitecture.TopK) with { ModelProcessing = new Interp.Core.TlProcessing(FoldLn: true) };
        var reread = SaeConfig.FromJson(JsonNode.Parse(config.ToJson())!.AsObject(), "cfg.json");
        Assert.Equal(config, reread);
        Assert.True(reread.ModelProcessing.FoldLn);
        Assert.True(T.Config(SaeArchitecture.TopK).ModelProcessing.IsNone);

        var cfg = JsonNode.Parse("""{"d_in": 4, "d_sae": 8, "hook_name": "blocks.0.hook_resid_pre", "model_from_pretrained_kwargs": [1]}""")!.AsObject();
        var error = Assert.Throws<Interp.Core.InterpException>(() => SaeConfig.FromJson(cfg, "x/cfg.json"));
        Assert.Equal("x/cfg.json: 'model_from_pretrained_kwargs' must be an object, got [1]", error.Message);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(1e-6, expected.Max(Math.Abs));
        var worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-4 * scale, $"{what} differ by up to {worst} (largest value {scale})");
    }

    /// <summary>Another source's rows times a constant and off-centre, so the input scale is far from 1 and b_dec is not small.</summary>
    private sealed class ScaledSource(IActivationSource inner, float factor) : IActivationSource
    {
        public int D => inner.D;

        public IEnumerable<float[]> Batches(int batchSize, int seed, long skipBatches = 0) =>
            inner.Batches(batchSize, seed, skipBatches).Select(b => b.Select((v, i) => v * factor + (i % D) * 0.5f).ToArray());
    }
}
