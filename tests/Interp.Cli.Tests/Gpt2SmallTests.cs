using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Core.Safetensors;
using Interp.Core.Store;
using Interp.Model;

namespace Interp.Cli.Tests;

/// <summary>
/// The real-size path on a GPT-2-small-shaped folder (<see cref="Gpt2SmallFolder"/>: 124M random parameters, Hugging
/// Face's key layout and config): it loads as GPT-2 small, and the quickstart runs end to end on it with small sizes.
/// </summary>
public sealed class Gpt2SmallTests
{
    [Fact]
    public void A_gpt2_small_shaped_folder_loads_with_124M_parameters_and_hooks_of_gpt2_small_widths()
    {
        using (var weights = SafetensorsFile.Open(Path.Combine(Gpt2SmallFolder.Folder, "model.safetensors")))
        {
            Assert.Equal([768L, 2304], weights.Tensors["h.0.attn.c_attn.weight"].Shape);            // Conv1D: [in, out]
            Assert.Equal([3072L, 768], weights.Tensors["h.11.mlp.c_proj.weight"].Shape);
            Assert.Equal([50257L, 768], weights.Tensors["wte.weight"].Shape);
        }
        using (var model = Gpt2.Load(Gpt2SmallFolder.Folder))
        {
            Assert.Equal(Gpt2Config.Gpt2Small, model.Config);
            Assert.Equal(Gpt2SmallFolder.Parameters, model.parameters().Sum(p => p.numel()));
            Assert.Equal(Gpt2SmallFolder.Parameters, model.Config.ParameterCount);
        }

        var hooks = InterpProcess.Run("hooks", "--model", Gpt2SmallFolder.Folder, "--positions", "3", "--json");
        Assert.True(hooks.ExitCode == 0, hooks.Stderr);
        var shapes = JsonNode.Parse(hooks.Stdout)!["hooks"]!.AsArray()
            .ToDictionary(h => (string)h!["name"]!, h => h!["shape"]!.AsArray().Select(d => (long)d!).ToArray());
        Assert.Equal(2 + 12 * 17 + 2, shapes.Count);
        Assert.Equal([1L, 3, 768], shapes["blocks.11.hook_resid_post"]);
        Assert.Equal([1L, 3, 3072], shapes["blocks.5.mlp.hook_post"]);
        Assert.Equal([1L, 3, 12, 64], shapes["blocks.0.attn.hook_q"]);
        Assert.Equal([1L, 12, 3, 3], shapes["blocks.7.attn.hook_pattern"]);
    }

    // Measured: 2,690 MiB; 4,012 MiB while the SAE's b_dec initialisation kept every iteration's [8192, 768] temporaries
    // to its end. The issue asks for below 6 GB at 51,200 tokens.
    private const long PeakBoundBytes = 3584L << 20;

    [Fact]
    public void Quickstart_runs_end_to_end_on_a_gpt2_small_shaped_model()
    {
        using var dir = new TempDir("interp-gpt2-small-");
        var run = dir["run"];
        var result = ProcessPeak.Run(InterpProcess.StartInfo(["quickstart", "--model", Gpt2SmallFolder.Folder, "--out", run, "--tokens", "2048",
            "--eval-tokens", "512", "--sae-tokens", "4064", "--d-sae", "256", "--k", "16", "--no-serve"]), PeakBoundBytes, timeoutSeconds: 240);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.True(result.PeakBytes < PeakBoundBytes, $"peak resident memory {result.PeakBytes >> 20} MiB (bound {PeakBoundBytes >> 20} MiB)");

        // The SAE reads the middle of the model (blocks.6.hook_resid_pre, d 768); the neurons are blocks.5's MLP (3,072).
        var (resid, mlp) = ("blocks.6.hook_resid_pre", "blocks.5.mlp.hook_post");
        var store = ActivationManifest.Load(Path.Combine(run, "activations", resid));
        Assert.Equal(768, store.D);
        Assert.True(store.Complete);
        Assert.Equal(2048, store.RowsWritten);
        Assert.Equal(3072, ActivationManifest.Load(Path.Combine(run, "activations", mlp)).D);

        var cfg = Json(Path.Combine(run, "sae", "cfg.json"));
        Assert.Equal(768, (int)cfg["d_in"]!);
        Assert.Equal(256, (int)cfg["d_sae"]!);
        Assert.Equal(resid, (string)cfg["hook_name"]!);
        var eval = Json(Path.Combine(run, "sae", "eval.json"));
        Assert.Equal(768, (int)eval["d_in"]!);
        Assert.Equal(4 * 127, (long)eval["tokens"]!);                                          // 4 contexts, BOS left out
        Assert.True(double.IsFinite((double)eval["ce_loss_clean"]!));

        foreach (var (folder, units) in new[] { ("neurons", 3072), ("sae-latents", 256) })
        {
            Assert.True(File.Exists(Path.Combine(run, "records", folder, "records.db")), folder);
            Assert.Equal(units, (int)Json(Path.Combine(run, "records", folder, "manifest.json"))["unit_count"]!);
            var results = File.ReadLines(Path.Combine(run, "autointerp", folder, "results.jsonl")).Where(l => l.Length > 0)
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("unit").GetString()).ToList();
            Assert.Equal(units, results.Count);
            Assert.Equal(units, results.Distinct().Count());
        }
        var times = Json(Path.Combine(run, "quickstart_times.json"));
        Assert.Equal(7, times["stages"]!.AsArray().Count);
    }

    private static JsonNode Json(string path) => JsonNode.Parse(File.ReadAllText(path))!;
}
