using Interp.Core;

namespace Interp.Tests.Shared;

/// <summary>Files in the source tree the tests read in place (never copied to bin/).</summary>
public static class TestRepo
{
    /// <summary>The repository root (the folder with <c>Interp.sln</c>), above the test binaries or the working directory.</summary>
    public static string Root =>
        RepoPaths.FindRepoRoot() ?? RepoPaths.FindRepoRoot(Directory.GetCurrentDirectory())
        ?? throw new InvalidOperationException("Interp.sln not found above the test binaries or the working directory");

    /// <summary>
    /// <c>tests/fixtures/tiny-random-gpt2</c>: 5 layers, vocab 1000, n_embd 32 (d_mlp 128), 4 heads, 512 positions, no
    /// tokenizer files.
    /// </summary>
    public static string TinyRandomGpt2 => Path.Combine(Root, "tests", "fixtures", "tiny-random-gpt2");

    /// <summary>A corpus under <c>data/corpora</c>.</summary>
    public static string Corpus(string name) => Path.Combine(Root, "data", "corpora", name);

    /// <summary>A fresh copy of <see cref="TinyRandomGpt2"/> in a temporary folder, to damage in a test.</summary>
    public static string TinyRandomGpt2Copy()
    {
        var dir = Directory.CreateTempSubdirectory("interp-fixture-copy-").FullName;
        foreach (var file in Directory.GetFiles(TinyRandomGpt2)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }
}
