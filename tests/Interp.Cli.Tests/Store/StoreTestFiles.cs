using System.Security.Cryptography;
using Interp.Core.Store;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Cli.Tests.Store;

/// <summary>Corpora and a tokenizer model for the harvest process tests (moved here from the harvest tests).</summary>
internal static class StoreTestFiles
{
    private static readonly Lazy<string> TokenizerModelFolder = new(CreateTokenizerModel, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Corpus(string name) => Path.Combine(Paths.Repo, "data", "corpora", name);

    /// <summary>
    /// A random GPT-2 with GPT-2's vocabulary and tokenizer files (d 32, 2 layers, 128 positions), saved once per test
    /// run, so the CLI can harvest text corpora with it.
    /// </summary>
    public static string TokenizerModel => TokenizerModelFolder.Value;

    private static string CreateTokenizerModel()
    {
        var dir = Path.Combine(Path.GetTempPath(), "interp-cli-store-tests-model-" + Environment.ProcessId);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        manual_seed(1234);
        using var model = new Gpt2(new Gpt2Config(VocabSize: 50257, NPositions: 128, NEmbd: 32, NLayer: 2, NHead: 2));
        model.SaveHuggingFace(dir);
        Gpt2.CopyTokenizerFiles(Path.Combine(Paths.Repo, "data", "tokenizer", "gpt2"), dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        return dir;
    }
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("interp-cli-store-tests-").FullName;

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

internal static class StoreAssert
{
    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Two store roots hold the same hooks with byte-identical manifests and shard files, and nothing else.</summary>
    public static void SameStore(string expectedRoot, string actualRoot)
    {
        var expected = ActivationStoreReader.HookFolders(expectedRoot);
        var actual = ActivationStoreReader.HookFolders(actualRoot);
        Assert.Equal(expected.Select(f => Path.GetRelativePath(expectedRoot, f)), actual.Select(f => Path.GetRelativePath(actualRoot, f)));
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(Files(e), Files(a));
            Assert.Equal(File.ReadAllText(Path.Combine(e, ActivationManifest.FileName)), File.ReadAllText(Path.Combine(a, ActivationManifest.FileName)));
            foreach (var file in Files(e).Where(f => f.EndsWith(".parquet", StringComparison.Ordinal)))
                Assert.True(Sha256(Path.Combine(e, file)) == Sha256(Path.Combine(a, file)), $"{file} differs between {e} and {a}");
        }
    }

    private static string[] Files(string folder) => Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}
