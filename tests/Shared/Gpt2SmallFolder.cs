using System.Diagnostics;
using Interp.Model;
using Interp.Model.Training;
using static TorchSharp.torch;

namespace Interp.Tests.Shared;

/// <summary>
/// A Hugging Face GPT-2 folder of GPT-2 small's shape and size — 124M parameters: 12 layers, 12 heads, n_embd 768,
/// n_ctx 1024, vocab 50257 — with random weights drawn as GPT-2 initialises them (<see cref="Gpt2Trainer.InitialiseWeights"/>:
/// N(0, 0.02), LayerNorm gains 1, biases 0), Hugging Face's own gpt2 <c>config.json</c>, HF key names
/// (<c>h.0.attn.c_attn.weight</c> [768, 2304] in Conv1D layout, <c>wte.weight</c>, <c>ln_f.weight</c>, …) and GPT-2's
/// tokenizer files: the real-size path without the real weights. Written once per test process (about 500 MB, a few
/// seconds) under the temp folder and deleted when the process exits; the folders of test processes that were killed
/// are deleted by the next one.
/// </summary>
public static class Gpt2SmallFolder
{
    /// <summary>GPT-2 small's parameter count (LM head tied to wte), as Hugging Face reports it.</summary>
    public const long Parameters = 124_439_808;

    private const string Prefix = "interp-tests-gpt2-small-";

    /// <summary>Hugging Face's <c>gpt2/config.json</c>, as published (dropout and summary keys a loader must ignore included).</summary>
    public const string HuggingFaceConfig = """
        {
          "activation_function": "gelu_new",
          "architectures": [
            "GPT2LMHeadModel"
          ],
          "attn_pdrop": 0.1,
          "bos_token_id": 50256,
          "embd_pdrop": 0.1,
          "eos_token_id": 50256,
          "initializer_range": 0.02,
          "layer_norm_epsilon": 1e-05,
          "model_type": "gpt2",
          "n_ctx": 1024,
          "n_embd": 768,
          "n_head": 12,
          "n_layer": 12,
          "n_positions": 1024,
          "resid_pdrop": 0.1,
          "summary_activation": null,
          "summary_first_dropout": 0.1,
          "summary_proj_to_labels": true,
          "summary_type": "cls_index",
          "summary_use_proj": true,
          "task_specific_params": {
            "text-generation": {
              "do_sample": true,
              "max_length": 50
            }
          },
          "vocab_size": 50257
        }

        """;

    private static readonly Lazy<string> Saved = new(Save, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The model folder (<c>config.json</c>, <c>model.safetensors</c>, <c>vocab.json</c>, <c>merges.txt</c>).</summary>
    public static string Folder => Saved.Value;

    private static string Save()
    {
        DeleteLeftovers();
        var dir = Path.Combine(Path.GetTempPath(), Prefix + Environment.ProcessId);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        manual_seed(124);
        using (var model = new Gpt2(Gpt2Config.Gpt2Small))
        {
            Gpt2Trainer.InitialiseWeights(model, model.Config);
            model.SaveHuggingFace(dir);
        }
        File.WriteAllText(Path.Combine(dir, "config.json"), HuggingFaceConfig);
        Gpt2.CopyTokenizerFiles(Path.Combine(TestRepo.Root, "data", "tokenizer", "gpt2"), dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        return dir;
    }

    /// <summary>Deletes the folders of test processes that ended without deleting theirs (killed): 500 MB each.</summary>
    private static void DeleteLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            if (!int.TryParse(Path.GetFileName(dir)[Prefix.Length..], out var pid) || IsRunning(pid)) continue;
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
