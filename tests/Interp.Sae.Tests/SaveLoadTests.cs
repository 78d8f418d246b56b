using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

public sealed class SaveLoadTests
{
    public static TheoryData<SaeArchitecture> Architectures => new(Enum.GetValues<SaeArchitecture>());

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Saving_and_loading_gives_identical_outputs_for_every_architecture(SaeArchitecture architecture)
    {
        using var dir = new TempDir();
        var config = T.Config(architecture) with { NormalizeActivations = SaeConfig.NormalizeExpectedAverage, ScalingFactor = 1.7 };
        using var sae = SparseAutoencoder.Create(config, seed: 3, jumpReluInitialThreshold: 0.3);
        using var x = T.RandomRows(32, config.DIn, seed: 11);
        using (no_grad())
        {
            sae.EncoderBias.copy_(linspace(-0.5, 0.5, config.DSae));
            sae.DecoderBias.copy_(linspace(-1, 1, config.DIn));
            if (architecture == SaeArchitecture.BatchTopK)
                using (var pre = sae.PreActivations(x)) sae.UpdateThresholdEstimate(new SaeStepLatents(pre.relu()), rate: 1);
        }
        sae.Save(dir.Path);
        using var loaded = SparseAutoencoder.Load(dir.Path);

        Assert.Equal(sae.Config.ForInference(), loaded.Config);                                 // scale folded, BatchTopK as JumpReLU
        using var expectedLatents = sae.Encode(x);
        using var actualLatents = loaded.Encode(x);
        using var expected = sae.forward(x);
        using var actual = loaded.forward(x);
        Assert.Equal(T.ToArray(expectedLatents).Select(v => v > 0), T.ToArray(actualLatents).Select(v => v > 0));
        Assert.True(T.MaxAbsDifference(expectedLatents, actualLatents) < 1e-5);
        Assert.True(T.MaxAbsDifference(expected, actual) < 1e-5);
        using var active = expectedLatents.gt(0).sum();
        Assert.True(active.item<long>() > 0, "no latent fired, so the comparison shows nothing");
        if (architecture is SaeArchitecture.JumpRelu or SaeArchitecture.BatchTopK)
        {
            using var threshold = loaded.GetThreshold()!;
            using var reference = sae.GetThreshold()!;
            Assert.True(T.MaxAbsDifference(reference, threshold) < 1e-6);
            using var minimum = threshold.min();
            Assert.True(minimum.item<float>() > 0, "the threshold should be positive here");
        }
    }

    [Fact]
    public void The_saved_folder_has_the_saelens_layout()
    {
        using var dir = new TempDir();
        using var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.TopK, dIn: 16, dSae: 64, k: 4) with { ContextSize = 128 });
        sae.Save(dir.Path);

        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "cfg.json")))!.AsObject();
        Assert.Equal("topk", (string?)cfg["architecture"]);
        Assert.Equal(16, (int?)cfg["d_in"]);
        Assert.Equal(64, (int?)cfg["d_sae"]);
        Assert.Equal("float32", (string?)cfg["dtype"]);
        Assert.Equal("blocks.1.hook_resid_pre", (string?)cfg["hook_name"]);
        Assert.Equal(1, (int?)cfg["hook_layer"]);
        Assert.Equal(128, (int?)cfg["context_size"]);
        Assert.Equal("none", (string?)cfg["normalize_activations"]);
        Assert.Equal(4, (int?)cfg["activation_fn_kwargs"]!["k"]);
        Assert.Equal(4, (int?)cfg["k"]);

        using var weights = SafetensorsFile.Open(Path.Combine(dir.Path, "sae_weights.safetensors"));
        Assert.Equal(new[] { "W_dec", "W_enc", "b_dec", "b_enc" }, weights.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([16L, 64L], weights.Tensors["W_enc"].Shape);
        Assert.Equal([64L, 16L], weights.Tensors["W_dec"].Shape);
        Assert.Equal([64L], weights.Tensors["b_enc"].Shape);
        Assert.Equal([16L], weights.Tensors["b_dec"].Shape);
        Assert.All(weights.Tensors.Values, t => Assert.Equal(SafetensorsDtype.F32, t.Dtype));
    }

    [Fact]
    public void A_jb_style_saelens_folder_written_by_hand_loads_and_its_forward_matches_a_hand_computation()
    {
        // The shape of jbloom's gpt2-small-res-jb cfg.json (SAELens ≤ 2: hook_point, hook_point_layer, "torch.float32",
        // no "architecture"), with d_in 768 → 24 and d_sae 24576 → 96 (the same 32× expansion) to stay fast.
        const int dIn = 24, dSae = 96;
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "cfg.json"), $$"""
            {"model_name": "gpt2-small", "hook_point": "blocks.8.hook_resid_pre", "hook_point_layer": 8,
             "hook_point_head_index": null, "dataset_path": "Skylion007/openwebtext", "is_dataset_tokenized": false,
             "context_size": 128, "use_cached_activations": false, "d_in": {{dIn}}, "n_batches_in_buffer": 128,
             "total_training_tokens": 300000000, "store_batch_size": 32, "device": "mps", "seed": 42,
             "dtype": "torch.float32", "b_dec_init_method": "geometric_median", "expansion_factor": 32,
             "from_pretrained_path": null, "l1_coefficient": 8e-05, "lr": 0.0004, "lr_scheduler_name": null,
             "lr_warm_up_steps": 5000, "train_batch_size": 4096, "use_ghost_grads": false, "feature_sampling_window": 1000,
             "dead_feature_window": 5000, "dead_feature_threshold": 1e-08, "log_to_wandb": true, "n_checkpoints": 10,
             "checkpoint_path": "checkpoints/y1t51byy", "d_sae": {{dSae}}, "tokens_per_buffer": 67108864,
             "run_name": "24576-L1-8e-05-LR-0.0004-Tokens-3.000e+08"}
            """);
        var random = new Random(5);
        float[] Random(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();
        var (wEnc, wDec, bEnc, bDec) = (Random(dIn * dSae, 1), Random(dSae * dIn, 1), Random(dSae, 0.5), Random(dIn, 2));
        SafetensorsWriter.Write(Path.Combine(dir.Path, "sae_weights.safetensors"),
        [
            SafetensorsWriter.Float32("W_enc", [dIn, dSae], wEnc), SafetensorsWriter.Float32("W_dec", [dSae, dIn], wDec),
            SafetensorsWriter.Float32("b_enc", [dSae], bEnc), SafetensorsWriter.Float32("b_dec", [dIn], bDec),
        ]);

        using var sae = SparseAutoencoder.Load(dir.Path);
        Assert.Equal(SaeArchitecture.Relu, sae.Config.Architecture);
        Assert.Equal("blocks.8.hook_resid_pre", sae.Config.HookName);
        Assert.Equal(8, sae.Config.HookLayer);
        Assert.Equal(1.0, sae.Config.InputScale);

        var x = Random(3 * dIn, 4);
        using var input = tensor(x, [3, dIn]);
        using var latents = sae.Encode(input);
        using var reconstruction = sae.forward(input);
        var (f, xHat) = (T.ToArray(latents), T.ToArray(reconstruction));
        for (var row = 0; row < 3; row++)
        {
            var handF = new double[dSae];
            for (var j = 0; j < dSae; j++)
            {
                double pre = bEnc[j];
                for (var i = 0; i < dIn; i++) pre += (x[row * dIn + i] - bDec[i]) * wEnc[i * dSae + j];
                handF[j] = Math.Max(0, pre);
                Assert.Equal(handF[j], f[row * dSae + j], 4);
            }
            for (var i = 0; i < dIn; i++)
            {
                double value = bDec[i];
                for (var j = 0; j < dSae; j++) value += handF[j] * wDec[j * dIn + i];
                Assert.Equal(value, xHat[row * dIn + i], 4);
            }
        }
    }

    [Fact]
    public void Saelens_6_topk_and_gemma_scope_style_jumprelu_folders_load_with_their_own_conventions()
    {
        const int dIn = 8, dSae = 16;
        var random = new Random(9);
        float[] Random(int n, double scale, double offset = 0) => Enumerable.Range(0, n).Select(_ => (float)(offset + (random.NextDouble() - 0.5) * scale)).ToArray();
        var (wEnc, wDec, bEnc, bDec, threshold) = (Random(dIn * dSae, 1), Random(dSae * dIn, 1), Random(dSae, 0.5), Random(dIn, 2), Random(dSae, 0.4, 0.3));
        SafetensorsWriter.Entry[] Entries(bool withThreshold) =>
        [
            SafetensorsWriter.Float32("W_enc", [dIn, dSae], wEnc), SafetensorsWriter.Float32("W_dec", [dSae, dIn], wDec),
            SafetensorsWriter.Float32("b_enc", [dSae], bEnc), SafetensorsWriter.Float32("b_dec", [dIn], bDec),
            .. withThreshold ? new[] { SafetensorsWriter.Float32("threshold", [dSae], threshold) } : [],
        ];
        var x = Random(2 * dIn, 4);

        // SAELens 6: top-level k, metadata nested.
        using var topkDir = new TempDir();
        File.WriteAllText(Path.Combine(topkDir.Path, "cfg.json"), $$"""
            {"architecture": "topk", "d_in": {{dIn}}, "d_sae": {{dSae}}, "k": 3, "dtype": "float32", "device": "cpu",
             "apply_b_dec_to_input": true, "normalize_activations": "none", "reshape_activations": "none",
             "metadata": {"model_name": "gpt2", "hook_name": "blocks.3.hook_resid_post", "hook_layer": 3, "context_size": 1024,
                          "sae_lens_version": "6.5.0", "prepend_bos": true} }
            """);
        SafetensorsWriter.Write(Path.Combine(topkDir.Path, "sae_weights.safetensors"), Entries(withThreshold: false));
        using (var sae = SparseAutoencoder.Load(topkDir.Path))
        using (var input = tensor(x, [2, dIn]))
        using (var latents = sae.Encode(input))
        {
            Assert.Equal((SaeArchitecture.TopK, 3, "blocks.3.hook_resid_post", 3, 1024),
                (sae.Config.Architecture, sae.Config.K, sae.Config.HookName, sae.Config.HookLayer, sae.Config.ContextSize));
            var f = T.ToArray(latents);
            for (var row = 0; row < 2; row++)
            {
                var pre = Enumerable.Range(0, dSae).Select(j =>
                    bEnc[j] + Enumerable.Range(0, dIn).Sum(i => (double)(x[row * dIn + i] - bDec[i]) * wEnc[i * dSae + j])).ToArray();
                var top = pre.Select((v, j) => (v, j)).OrderByDescending(p => p.v).Take(3).Select(p => p.j).ToHashSet();
                for (var j = 0; j < dSae; j++)
                    Assert.Equal(top.Contains(j) ? Math.Max(0, pre[j]) : 0, f[row * dSae + j], 4);
            }
        }

        // Gemma Scope via SAELens: jumprelu, threshold, apply_b_dec_to_input false.
        using var jumpDir = new TempDir();
        File.WriteAllText(Path.Combine(jumpDir.Path, "cfg.json"), $$"""
            {"architecture": "jumprelu", "d_in": {{dIn}}, "d_sae": {{dSae}}, "dtype": "float32", "model_name": "gemma-2-2b",
             "hook_name": "blocks.12.hook_resid_post", "hook_head_index": null, "activation_fn": "relu",
             "finetuning_scaling_factor": false, "sae_lens_training_version": null, "prepend_bos": true,
             "dataset_path": "monology/pile-uncopyrighted", "context_size": 1024, "dataset_trust_remote_code": true,
             "apply_b_dec_to_input": false, "normalize_activations": null, "device": "cpu"}
            """);
        SafetensorsWriter.Write(Path.Combine(jumpDir.Path, "sae_weights.safetensors"), Entries(withThreshold: true));
        using (var sae = SparseAutoencoder.Load(jumpDir.Path))
        using (var input = tensor(x, [2, dIn]))
        using (var latents = sae.Encode(input))
        {
            Assert.Equal((SaeArchitecture.JumpRelu, false, 12), (sae.Config.Architecture, sae.Config.ApplyBDecToInput, sae.Config.HookLayer));
            var f = T.ToArray(latents);
            var fired = 0;
            for (var row = 0; row < 2; row++)
                for (var j = 0; j < dSae; j++)
                {
                    var pre = bEnc[j] + Enumerable.Range(0, dIn).Sum(i => (double)x[row * dIn + i] * wEnc[i * dSae + j]);
                    var expected = pre > threshold[j] ? pre : 0;
                    if (expected > 0) fired++;
                    Assert.Equal(expected, f[row * dSae + j], 4);
                }
            Assert.InRange(fired, 1, 2 * dSae - 1);
        }
    }

    [Fact]
    public void A_missing_weight_names_the_key()
    {
        using var dir = SavedFolder();
        Rewrite(dir.Path, drop: "W_dec");
        var e = Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path));
        Assert.Contains("missing tensor 'W_dec'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_wrong_shape_names_the_key_and_both_shapes()
    {
        using var dir = SavedFolder();
        Rewrite(dir.Path, reshape: ("W_enc", [16, 63]));
        var e = Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path));
        Assert.Contains("'W_enc'", e.Message);
        Assert.Contains("[16, 63]", e.Message);
        Assert.Contains("[16, 64]", e.Message);
    }

    [Fact]
    public void A_nan_in_the_weights_names_the_key()
    {
        using var dir = SavedFolder();
        Rewrite(dir.Path, poison: "b_dec");
        var e = Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path));
        Assert.Contains("'b_dec'", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void A_jumprelu_folder_without_a_threshold_names_the_key()
    {
        using var dir = new TempDir();
        using (var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.JumpRelu))) sae.Save(dir.Path);
        Rewrite(dir.Path, drop: "threshold");
        var e = Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path));
        Assert.Contains("missing tensor 'threshold'", e.Message);
    }

    [Fact]
    public void Bad_config_values_and_missing_files_are_one_line_errors_naming_the_key_or_file()
    {
        using var dir = SavedFolder();
        var cfgPath = Path.Combine(dir.Path, "cfg.json");
        var original = File.ReadAllText(cfgPath);

        File.WriteAllText(cfgPath, original.Replace("\"d_in\": 16", "\"d_in\": \"sixteen\""));
        Assert.Contains("'d_in'", Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path)).Message);

        File.WriteAllText(cfgPath, original.Replace("\"architecture\": \"topk\"", "\"architecture\": \"gated\""));
        Assert.Contains("gated", Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path)).Message);

        var node = JsonNode.Parse(original)!.AsObject();
        node.Remove("k");
        node.Remove("activation_fn_kwargs");
        File.WriteAllText(cfgPath, node.ToJsonString());
        Assert.Contains("'k'", Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path)).Message);

        File.Delete(cfgPath);
        Assert.Contains("cfg.json", Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path)).Message);
        Assert.Contains("not found", Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir["nowhere"])).Message);
    }

    [Fact]
    public void An_sae_whose_d_in_disagrees_with_the_hook_width_is_refused_with_both_numbers()
    {
        using var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu, dIn: 16));
        var e = Assert.Throws<InterpException>(() => sae.CheckFits(HookName.ResidPre(1), 32));
        Assert.Contains("d_in=16", e.Message);
        Assert.Contains("32", e.Message);
        Assert.Contains("blocks.1.hook_resid_pre", e.Message);
        sae.CheckFits(HookName.ResidPre(1), 16);
    }

    [Fact]
    public void Saving_refuses_non_finite_weights_and_leaves_the_previous_files_intact()
    {
        using var dir = SavedSae(out var sae);
        using (sae)
        {
            var before = File.ReadAllBytes(Path.Combine(dir.Path, "sae_weights.safetensors"));
            using (no_grad()) sae.DecoderWeight[3, 2] = tensor(float.NaN);
            var e = Assert.Throws<InterpException>(() => sae.Save(dir.Path));
            Assert.Contains("'W_dec'", e.Message);
            Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir.Path, "sae_weights.safetensors")));
            Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        }
    }

    [Fact]
    public void Folding_the_input_scale_keeps_latents_and_reconstructions()
    {
        using var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu) with
        {
            NormalizeActivations = SaeConfig.NormalizeExpectedAverage, ScalingFactor = 2.5,
        }, seed: 4);
        using var x = T.RandomRows(8, 16, seed: 2);
        using var latents = sae.Encode(x);
        using var reconstruction = sae.forward(x);
        sae.FoldInputScaling();
        Assert.Equal(SaeConfig.NormalizeNone, sae.Config.NormalizeActivations);
        using var foldedLatents = sae.Encode(x);
        using var foldedReconstruction = sae.forward(x);
        Assert.True(T.MaxAbsDifference(latents, foldedLatents) < 1e-5);
        Assert.True(T.MaxAbsDifference(reconstruction, foldedReconstruction) < 1e-5);
    }

    private static TempDir SavedSae(out SparseAutoencoder sae)
    {
        var dir = new TempDir();
        sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.TopK, dIn: 16, dSae: 64, k: 4));
        sae.Save(dir.Path);
        return dir;
    }

    private static TempDir SavedFolder()
    {
        var dir = SavedSae(out var sae);
        sae.Dispose();
        return dir;
    }

    /// <summary>Rewrites sae_weights.safetensors with one tensor dropped, reshaped (new data) or poisoned with a NaN.</summary>
    private static void Rewrite(string dir, string? drop = null, (string Name, long[] Shape)? reshape = null, string? poison = null)
    {
        var path = Path.Combine(dir, "sae_weights.safetensors");
        var entries = new List<SafetensorsWriter.Entry>();
        using (var file = SafetensorsFile.Open(path))
        {
            foreach (var (name, info) in file.Tensors)
            {
                if (name == drop) continue;
                var data = file.ReadAsFloat32(name);
                var shape = info.Shape;
                if (reshape is { } r && r.Name == name)
                {
                    shape = r.Shape;
                    data = new float[shape.Aggregate(1L, (a, b) => a * b)];
                }
                if (name == poison) data[1] = float.NaN;
                entries.Add(SafetensorsWriter.Float32(name, shape, data));
            }
        }
        SafetensorsWriter.Write(path, entries);
    }
}
