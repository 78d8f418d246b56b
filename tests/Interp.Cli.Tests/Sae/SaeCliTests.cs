using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Core.Safetensors;
using Interp.Sae;

namespace Interp.Cli.Tests.Sae;

/// <summary>
/// A store harvested from the embedded default model (313 contexts of 64 tokens of Tiny Shakespeare, each starting with a
/// BOS, at blocks.1.hook_resid_pre, d = 128) and a TopK SAE trained on its 19,719 non-BOS rows through the command line
/// (d_sae 256, k 8, 300 steps of 256: 3.9 passes).
/// </summary>
public sealed class TrainedSaeFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public TrainedSaeFixture()
    {
        var harvest = InterpProcess.Run("harvest", "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), "--hook", Hook, "--ctx", "64", "--tokens", "20000",
            "--out", Store);
        Assert.True(harvest.ExitCode == 0, harvest.Stderr);
        Train = InterpProcess.Run(TrainArgs(Sae));
        Assert.True(Train.ExitCode == 0, Train.Stderr);
    }

    public const string Hook = "blocks.1.hook_resid_pre";

    public string Store => _dir["activations"];

    public string Sae => _dir["sae"];

    public InterpProcess.Result Train { get; }

    public string Sub(string name) => _dir[name];

    public string[] TrainArgs(string output, params string[] extra) =>
    [
        "train-sae", "--activations", Store, "--arch", "topk", "--d-sae", "256", "--k", "8", "--tokens", "76800", "--batch", "256",
        "--lr", "1e-3", "--checkpoint-every", "100", "--threads", "1", "--out", output, "--json", .. extra,
    ];

    public void Dispose() => _dir.Dispose();
}

public sealed class SaeCliTests(TrainedSaeFixture fixture) : IClassFixture<TrainedSaeFixture>
{
    [Fact]
    public void Train_sae_streams_several_passes_and_writes_the_saelens_layout_with_the_store_identity()
    {
        Assert.Contains("3.9 passes over the store (each further pass reshuffles it)", fixture.Train.Stderr);
        using var summary = JsonDocument.Parse(fixture.Train.Stdout);
        var root = summary.RootElement;
        Assert.Equal(300, root.GetProperty("steps").GetInt32());
        Assert.Equal(76_800, root.GetProperty("tokens").GetInt64());
        Assert.Equal(19_719, root.GetProperty("store_tokens").GetInt64());             // 20,032 rows less one BOS row per context
        Assert.InRange(root.GetProperty("l0").GetDouble(), 7.5, 8.0);
        Assert.InRange(root.GetProperty("explained_variance").GetDouble(), 0.5, 1.0);

        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Sae, "cfg.json")))!.AsObject();
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Store, TrainedSaeFixture.Hook, "manifest.json")))!;
        Assert.Equal("topk", (string?)cfg["architecture"]);
        Assert.Equal(TrainedSaeFixture.Hook, (string?)cfg["hook_name"]);
        Assert.Equal(1, (int?)cfg["hook_layer"]);
        Assert.Equal((string?)manifest["model"]!["name"], (string?)cfg["model_name"]);
        Assert.Equal((string?)manifest["model"]!["weights_sha256"], (string?)cfg["model_weights_sha256"]);
        Assert.Equal(64, (int?)cfg["context_size"]);
        Assert.True((bool?)cfg["prepend_bos"]);
        Assert.Equal(8, (int?)cfg["k"]);
        Assert.True(File.Exists(Path.Combine(fixture.Sae, "sae_weights.safetensors")));
        var log = File.ReadAllLines(Path.Combine(fixture.Sae, SaeTrainer.LogFileName));
        Assert.Equal(300, JsonNode.Parse(log[^1])!["step"]!.GetValue<int>());
    }

    [Fact]
    public void Eval_sae_json_reports_sane_reconstruction_sparsity_and_spliced_losses()
    {
        var result = InterpProcess.Run("eval-sae", "--sae", fixture.Sae, "--corpus", TestRepo.Corpus("tinyshakespeare.txt"),
            "--tokens", "4096", "--threads", "1", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.DoesNotContain("warning", result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        var r = doc.RootElement;
        Assert.Equal(TrainedSaeFixture.Hook, r.GetProperty("hook_name").GetString());
        Assert.Equal(64, r.GetProperty("ctx").GetInt32());
        Assert.True(r.GetProperty("prepend_bos").GetBoolean());                               // as the SAE's cfg.json says
        Assert.Equal(64 * 63, r.GetProperty("tokens").GetInt64());                            // 64 contexts, their BOS positions left out
        Assert.InRange(r.GetProperty("l0").GetDouble(), 7.5, 8.0);
        Assert.InRange(r.GetProperty("explained_variance").GetDouble(), 0.4, 1.0);
        Assert.InRange(r.GetProperty("mse").GetDouble(), 1e-6, 100);
        var dead = r.GetProperty("dead_latents").GetInt32();
        Assert.InRange(dead, 0, 128);
        Assert.InRange(r.GetProperty("dense_latents").GetInt32(), 0, 256 - dead);
        var histogram = r.GetProperty("density_histogram");
        var counts = histogram.GetProperty("counts").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(counts.Length + 1, histogram.GetProperty("log10_edges").GetArrayLength());
        Assert.Equal(256, counts.Sum() + histogram.GetProperty("dead").GetInt32());
        Assert.Equal(dead, histogram.GetProperty("dead").GetInt32());

        var (clean, sae, zero) = (r.GetProperty("ce_loss_clean").GetDouble(), r.GetProperty("ce_loss_with_sae").GetDouble(),
            r.GetProperty("ce_loss_zero_ablation").GetDouble());
        Assert.InRange(clean, 2.0, 8.0);
        Assert.True(clean < sae && sae < zero, $"CE clean {clean}, with SAE {sae}, zero-ablated {zero}");
        Assert.Equal((zero - sae) / (zero - clean), r.GetProperty("loss_recovered").GetDouble(), 6);
        Assert.InRange(r.GetProperty("loss_recovered").GetDouble(), 0.5, 1.0);
        Assert.InRange(r.GetProperty("kl_divergence").GetDouble(), 1e-4, 3.0);
    }

    [Fact]
    public void Eval_sae_reads_a_json_lines_corpus_from_its_text_field_and_without_the_flag_names_the_missing_field()
    {
        // One JSON line holding the whole of Tiny Shakespeare under "content": the same tokens as the text file.
        var text = TestRepo.Corpus("tinyshakespeare.txt");
        var jsonl = fixture.Sub("content.jsonl");
        File.WriteAllText(jsonl, JsonSerializer.Serialize(new { id = 1, content = File.ReadAllText(text) }) + "\n");
        string[] Eval(string corpus, params string[] extra) => ["eval-sae", "--sae", fixture.Sae, "--corpus", corpus, "--tokens", "1024", "--threads", "1", "--json", .. extra];

        var fromText = InterpProcess.Run(Eval(text));
        var fromJsonl = InterpProcess.Run(Eval(jsonl, "--text-field", "content"));
        Assert.True(fromJsonl.ExitCode == 0, fromJsonl.Stderr);
        Assert.Equal(fromText.Stdout, fromJsonl.Stdout);

        var line = InterpProcess.Run(Eval(jsonl)).ErrorLine;
        Assert.Equal($"error: {jsonl}: line 1: no field 'text' (--text-field); the line has 'id', 'content'", line);
    }

    [Fact]
    public void Sae_info_json_prints_the_config_tensor_shapes_norms_and_training_summary()
    {
        var result = InterpProcess.Run("sae", "info", fixture.Sae, "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var root = JsonNode.Parse(result.Stdout)!;
        Assert.Equal(256, (int?)root["cfg"]!["d_sae"]);
        var shapes = root["tensors"]!.AsArray().ToDictionary(t => (string)t!["name"]!, t => t!["shape"]!.AsArray().Select(s => (long)s!).ToArray());
        Assert.Equal([128L, 256], shapes["W_enc"]);
        Assert.Equal([256L, 128], shapes["W_dec"]);
        Assert.Equal([256L], shapes["b_enc"]);
        Assert.Equal([128L], shapes["b_dec"]);
        var rowNorms = root["norms"]!["w_dec_row_norm"]!;
        Assert.Equal((double)rowNorms["min"]!, (double)rowNorms["max"]!, 4);                  // unit rows divided by the folded input scale
        Assert.NotEqual(1.0, (double)rowNorms["max"]!, 2);
        Assert.Equal(300, (int?)root["training"]!["step"]);

        var text = InterpProcess.Run("sae", "info", fixture.Sae);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("W_dec          F32   [256, 128]", text.Stdout);
    }

    [Fact]
    public void Train_sae_records_its_dead_latent_window_in_steps_and_the_auxk_form_in_cfg_json()
    {
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Sae, "cfg.json")))!.AsObject();
        Assert.Equal(30, (int?)cfg["dead_feature_window"]);                                   // a tenth of 300 steps
        Assert.Equal(1.0 / 32, (double?)cfg["aux_k_coefficient"]);
        Assert.Equal("normalized_by_residual_variance", (string?)cfg["aux_k_loss"]);
        Assert.Contains("a latent counts as dead after 30 steps (7,680 tokens) without firing; AuxK trains those", fixture.Train.Stderr);

        var output = fixture.Sub("dead-window");
        var args = fixture.TrainArgs(output, "--dead-window", "4");
        args[Array.IndexOf(args, "--tokens") + 1] = "2560";
        var run = InterpProcess.Run(args);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(4, (int?)JsonNode.Parse(File.ReadAllText(Path.Combine(output, "cfg.json")))!["dead_feature_window"]);

        var off = fixture.Sub("auxk-off");                                                    // --aux-k-coefficient 0: no AuxK term at any step
        args = fixture.TrainArgs(off, "--dead-window", "4", "--aux-k-coefficient", "0", "--k-aux", "1");
        args[Array.IndexOf(args, "--tokens") + 1] = "2560";
        run = InterpProcess.Run(args);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(0.0, (double?)JsonNode.Parse(File.ReadAllText(Path.Combine(off, "cfg.json")))!["aux_k_coefficient"]);
        var aux = File.ReadLines(Path.Combine(off, "training_log.jsonl")).Select(l => (double)JsonNode.Parse(l)!["aux_loss"]!).ToArray();
        Assert.NotEmpty(aux);
        Assert.All(aux, a => Assert.Equal(0.0, a));
    }

    [Fact]
    public void Train_sae_refuses_a_hook_the_store_does_not_hold()
    {
        var line = InterpProcess.Run(fixture.TrainArgs(fixture.Sub("wrong-hook"), "--hook", "blocks.2.hook_resid_pre")).ErrorLine;
        Assert.Contains("blocks.2.hook_resid_pre", line);
        Assert.Contains(TrainedSaeFixture.Hook, line);
    }

    [Theory]
    [InlineData("--d-sae", "0", "--d-sae 0")]
    [InlineData("--k", "300", "--k 300: must be between 1 and d_sae=256")]
    [InlineData("--k", "0", "--k 0")]
    [InlineData("--batch", "30000", "holds only 19,719 activation rows")]
    [InlineData("--batch", "0", "--batch 0")]
    [InlineData("--tokens", "0", "--tokens 0")]
    [InlineData("--arch", "gated", "unknown SAE architecture 'gated'")]
    [InlineData("--dead-window", "0", "--dead-window 0: must be a positive number of steps")]
    [InlineData("--aux-k-coefficient", "-1", "--aux-k-coefficient -1: must not be negative (0 turns AuxK off)")]
    [InlineData("--k-aux", "0", "--k-aux 0: must be a positive number of latents")]
    public void Train_sae_refuses_bad_sizes_in_one_line(string option, string value, string expected)
    {
        var args = fixture.TrainArgs(fixture.Sub("bad-" + Guid.NewGuid().ToString("N")));
        var at = Array.IndexOf(args, option);
        var line = InterpProcess.Run(at >= 0 ? [.. args[..(at + 1)], value, .. args[(at + 2)..]] : [.. args, option, value]).ErrorLine;
        Assert.Contains(expected, line);
    }

    [Fact]
    public void Train_sae_refuses_an_existing_run_without_resume_and_a_store_of_another_model_with_resume()
    {
        Assert.Contains("pass --resume", InterpProcess.Run(fixture.TrainArgs(fixture.Sae)).ErrorLine);

        // The same store, relabelled as coming from another model.
        var other = fixture.Sub("other-model-store");
        CopyDirectory(fixture.Store, other);
        var manifestPath = Path.Combine(other, TrainedSaeFixture.Hook, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["model"]!["weights_sha256"] = new string('a', 64);
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        var args = fixture.TrainArgs(fixture.Sae, "--resume");
        args[Array.IndexOf(args, "--activations") + 1] = other;
        var line = InterpProcess.Run(args).ErrorLine;
        Assert.Contains("but the store comes from model", line);
        Assert.Contains("aaaaaaaaaaaa", line);

        // With its own store, --resume finds the run finished at its last step: nothing to train, the same SAE saved again.
        var weights = File.ReadAllBytes(Path.Combine(fixture.Sae, "sae_weights.safetensors"));
        var resumed = InterpProcess.Run(fixture.TrainArgs(fixture.Sae, "--resume"));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(300, JsonNode.Parse(resumed.Stdout)!["steps"]!.GetValue<int>());
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(fixture.Sae, "sae_weights.safetensors")));
    }

    [Fact]
    public void A_nan_loss_stops_training_naming_the_step_and_leaves_a_loadable_checkpoint()
    {
        var output = fixture.Sub("nan");
        var args = fixture.TrainArgs(output);
        args[Array.IndexOf(args, "--lr") + 1] = "1e30";
        args[Array.IndexOf(args, "--checkpoint-every") + 1] = "1";
        var line = InterpProcess.Run(args).ErrorLine;
        Assert.Matches(@"stopped at step \d+: the loss is (NaN|∞|-?Infinity)", line);
        Assert.Contains("last good state", line);
        Assert.False(File.Exists(Path.Combine(output, "cfg.json")), "a final SAE was written after a NaN loss");
        var info = InterpProcess.Run("sae", "info", Path.Combine(output, "checkpoint"), "--json");
        Assert.True(info.ExitCode == 0, info.Stderr);
    }

    [Fact]
    public void Eval_sae_refuses_an_sae_whose_d_in_disagrees_with_its_hook_on_the_model()
    {
        var line = InterpProcess.Run("eval-sae", "--sae", fixture.Sae, "--model", TestRepo.TinyRandomGpt2,
            "--corpus", TestRepo.Corpus("tinyshakespeare.txt")).ErrorLine;
        Assert.Contains("d_in=128 does not match hook blocks.1.hook_resid_pre, whose width is 32", line);
    }

    [Fact]
    public void Eval_sae_and_sae_info_refuse_a_missing_key_and_nan_weights_naming_the_tensor()
    {
        var missing = CopySaeWith(fixture.Sub("missing-key"), (name, data) => name == "W_dec" ? null : data);
        var line = InterpProcess.Run("eval-sae", "--sae", missing, "--corpus", TestRepo.Corpus("tinyshakespeare.txt")).ErrorLine;
        Assert.Contains("missing tensor 'W_dec'", line);
        Assert.Contains("missing tensor 'W_dec'", InterpProcess.Run("sae", "info", missing).ErrorLine);

        var nan = CopySaeWith(fixture.Sub("nan-weights"), (name, data) =>
        {
            if (name == "b_enc") data[17] = float.NaN;
            return data;
        });
        line = InterpProcess.Run("eval-sae", "--sae", nan, "--corpus", TestRepo.Corpus("tinyshakespeare.txt")).ErrorLine;
        Assert.Contains("tensor 'b_enc' has a non-finite value (NaN at index 17)", line);
        Assert.Contains("'b_enc'", InterpProcess.Run("sae", "info", nan).ErrorLine);
    }

    [Fact]
    public void Bench_sae_prints_tokens_per_second_and_the_ratio_to_the_matmul_rate()
    {
        var result = InterpProcess.Run("bench", "sae", "--d-in", "32", "--d-sae", "256", "--batch", "256", "--steps", "2", "--threads", "1", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var root = JsonNode.Parse(result.Stdout)!;
        Assert.True((double)root["matmul_gflops_per_second"]! > 0);
        var rows = root["results"]!.AsArray();
        Assert.Equal(["topk", "standard"], rows.Select(r => (string)r!["architecture"]!));
        foreach (var row in rows)
        {
            Assert.True((double)row!["tokens_per_second"]! > 0);
            var expected = 10.0 * 256 * 32 * 256 * (double)row["tokens_per_second"]! / 256 / 1e9;
            Assert.Equal(expected, (double)row["gflops_per_second"]!, 0.01);   // the JSON rounds to 2 decimals
        }
    }

    /// <summary>A copy of the trained SAE whose tensors pass through <paramref name="edit"/> (null drops the tensor).</summary>
    private string CopySaeWith(string folder, Func<string, float[], float[]?> edit)
    {
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(fixture.Sae, "cfg.json"), Path.Combine(folder, "cfg.json"));
        var entries = new List<SafetensorsWriter.Entry>();
        using (var file = SafetensorsFile.Open(Path.Combine(fixture.Sae, "sae_weights.safetensors")))
            foreach (var info in file.Tensors.Values.OrderBy(t => t.Begin))
                if (edit(info.Name, file.ReadAsFloat32(info.Name)) is { } data)
                    entries.Add(SafetensorsWriter.Float32(info.Name, info.Shape, data));
        SafetensorsWriter.Write(Path.Combine(folder, "sae_weights.safetensors"), entries);
        return folder;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }
}
