using System.Diagnostics;
using System.Security.Cryptography;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;
using static TorchSharp.torch;

namespace Interp.Harvest.Tests;

internal static class TestPaths
{
    public static string Repo =>
        RepoPaths.FindRepoRoot() ?? RepoPaths.FindRepoRoot(Directory.GetCurrentDirectory())
        ?? throw new InvalidOperationException("Interp.sln not found above the test binaries or the working directory");

    /// <summary><c>tests/fixtures/tiny-random-gpt2</c>: 5 layers, vocab 1000, n_embd 32, no tokenizer files.</summary>
    public static string Fixture => Path.Combine(Repo, "tests", "fixtures", "tiny-random-gpt2");

    public static string Corpus(string name) => Path.Combine(Repo, "data", "corpora", name);
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("interp-harvest-tests-").FullName;

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Models for the tests: the fixture (token ids only) and a tiny random GPT-2 with the real tokenizer.</summary>
internal static class TestModels
{
    private static readonly Lazy<string> TokenizerModelFolder = new(CreateTokenizerModel, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Gpt2 Fixture() => Gpt2.Load(TestPaths.Fixture);

    /// <summary>
    /// A random GPT-2 with GPT-2's vocabulary and tokenizer files (d 32, 2 layers, 128 positions), saved once per test
    /// run, so the CLI can harvest text corpora with it.
    /// </summary>
    public static string TokenizerModel => TokenizerModelFolder.Value;

    private static string CreateTokenizerModel()
    {
        var dir = Path.Combine(Path.GetTempPath(), "interp-harvest-tests-model-" + Environment.ProcessId);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        manual_seed(1234);
        using var model = new Gpt2(new Gpt2Config(VocabSize: 50257, NPositions: 128, NEmbd: 32, NLayer: 2, NHead: 2));
        model.SaveHuggingFace(dir);
        Gpt2.CopyTokenizerFiles(Path.Combine(TestPaths.Repo, "data", "tokenizer", "gpt2"), dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        return dir;
    }

    /// <summary>Seeded random token ids below <paramref name="vocab"/>.</summary>
    public static int[] RandomIds(int count, int vocab = 1000, int seed = 7)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(vocab)).ToArray();
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

    public static string[] Files(string folder) => Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}

/// <summary>Harvests with the fixture model, with small shards so tests see several shards and row groups.</summary>
internal static class FixtureHarvest
{
    public static readonly HookName[] TwoHooks = [HookName.ResidPre(2), HookName.MlpPost(1)];

    public static ContextSet Contexts(int contexts = 22, int ctx = 16, bool bos = false) =>
        ContextBuilder.FromTokenIds(TestModels.RandomIds(contexts * ctx + 5), ctx, prependBos: bos, bosTokenId: 98);

    public static HarvestOptions Options(string root, IReadOnlyList<HookName>? hooks = null, int k = 1, int n = 1,
        ActivationDtype dtype = ActivationDtype.Float32, bool overwrite = false) => new()
    {
        Hooks = hooks ?? TwoHooks, OutDirectory = root, BatchSize = 3, ContextsPerShard = 6, ContextsPerRowGroup = 2,
        ShardK = k, ShardN = n, Dtype = dtype, Overwrite = overwrite,
    };
}
