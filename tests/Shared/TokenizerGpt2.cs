using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Tests.Shared;

/// <summary>
/// A random GPT-2 with GPT-2's vocabulary and tokenizer files (d 32, 2 layers, 128 positions), saved once per test
/// process and deleted when it exits, so that text corpora can be harvested with it.
/// </summary>
public static class TokenizerGpt2
{
    private static readonly Lazy<string> Saved = new(Save, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The model folder (Hugging Face layout with <c>vocab.json</c> and <c>merges.txt</c>).</summary>
    public static string Folder => Saved.Value;

    private static string Save()
    {
        var dir = Path.Combine(Path.GetTempPath(), "interp-tests-tokenizer-model-" + Environment.ProcessId);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        manual_seed(1234);
        using var model = new Gpt2(new Gpt2Config(VocabSize: 50257, NPositions: 128, NEmbd: 32, NLayer: 2, NHead: 2));
        model.SaveHuggingFace(dir);
        Gpt2.CopyTokenizerFiles(Path.Combine(TestRepo.Root, "data", "tokenizer", "gpt2"), dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        return dir;
    }
}
