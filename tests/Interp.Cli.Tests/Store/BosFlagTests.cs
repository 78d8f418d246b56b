using Interp.Core.Store;

namespace Interp.Cli.Tests.Store;

/// <summary><c>interp harvest</c> starts every context with &lt;|endoftext|&gt; by default; <c>--no-prepend-bos</c> turns it off.</summary>
public class BosFlagTests
{
    private static string[] HarvestArgs(string output, params string[] extra) =>
    [
        "harvest", "--model", TokenizerGpt2.Folder, "--corpus", TestRepo.Corpus("tinyshakespeare.txt"),
        "--hook", "blocks.0.hook_resid_pre", "--ctx", "32", "--tokens", "320", "--threads", "1", "--out", output, .. extra,
    ];

    private static (ActivationManifest Manifest, int[] Position, int[] Token) Store(string root)
    {
        using var store = ActivationStoreReader.Open(root, "blocks.0.hook_resid_pre");
        var (_, position, token) = store.LoadIndex();
        return (store.Manifest, position, token);
    }

    [Fact]
    public void Harvest_prepends_bos_by_default_and_not_with_no_prepend_bos()
    {
        using var dir = new TempDir();
        var byDefault = InterpProcess.Run(HarvestArgs(dir["default"]));
        Assert.True(byDefault.ExitCode == 0, byDefault.Stderr);
        var (manifest, position, token) = Store(dir["default"]);
        Assert.True(manifest.PrependBos);
        Assert.Equal(50256, manifest.BosTokenId);
        Assert.Equal(10, position.Count(p => p == 0));
        Assert.All(Enumerable.Range(0, position.Length).Where(r => position[r] == 0), r => Assert.Equal(50256, token[r]));

        var old = InterpProcess.Run(HarvestArgs(dir["old-flag"], "--prepend-bos"));               // still accepted: the same store
        Assert.True(old.ExitCode == 0, old.Stderr);
        StoreAssert.SameStore(dir["default"], dir["old-flag"]);

        var plain = InterpProcess.Run(HarvestArgs(dir["plain"], "--no-prepend-bos"));
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        var (plainManifest, _, plainTokens) = Store(dir["plain"]);
        Assert.False(plainManifest.PrependBos);
        Assert.DoesNotContain(plainTokens, t => t == 50256);

        Assert.Equal("error: --prepend-bos and --no-prepend-bos: give one or the other",
            InterpProcess.Run(HarvestArgs(dir["both"], "--prepend-bos", "--no-prepend-bos")).ErrorLine);
        Assert.False(Directory.Exists(dir["both"]));
    }
}
