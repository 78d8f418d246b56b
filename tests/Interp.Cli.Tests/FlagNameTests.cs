using Interp.Cli.Tests.Store;

namespace Interp.Cli.Tests;

/// <summary>A library job refuses an option by its meaning; each verb prints the refusal with its own flag, as before.</summary>
public sealed class FlagNameTests
{
    private static readonly string Corpus = StoreTestFiles.Corpus("tinyshakespeare.txt");

    [Fact]
    public void Harvest_names_its_batch_and_shard_flags()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("interp-flags-").FullName, "store");
        string[] common = ["harvest", "--corpus", Corpus, "--hook", "blocks.0.hook_resid_pre", "--tokens", "64", "--threads", "1", "--out", output];
        Assert.Equal("error: --batch 0: must be at least 1", InterpProcess.Run([.. common, "--ctx", "16", "--batch", "0"]).ErrorLine);
        Assert.Equal("error: --shard 2-4: expected K/N, e.g. 2/4", InterpProcess.Run([.. common, "--ctx", "16", "--shard", "2-4"]).ErrorLine);
        Assert.Equal("error: --ctx 1: must be at least 2 with BOS prepending (the default; --no-prepend-bos turns it off)",
            InterpProcess.Run([.. common, "--ctx", "1"]).ErrorLine);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Records_names_its_sampling_and_unit_flags()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("interp-flags-").FullName, "records");
        string[] common = ["records", "--corpus", Corpus, "--ctx", "16", "--tokens", "64", "--threads", "1", "--out", output];
        Assert.Equal("error: --window 0: must be at least 1", InterpProcess.Run([.. common, "--hook", "blocks.0.hook_resid_pre", "--window", "0"]).ErrorLine);
        Assert.Equal("error: --hook NAME is required with --corpus (e.g. blocks.1.mlp.hook_post)", InterpProcess.Run(common).ErrorLine);
        Assert.StartsWith("error: --units 5-2: range '5-2' runs backwards",
            InterpProcess.Run([.. common, "--hook", "blocks.0.hook_resid_pre", "--units", "5-2"]).ErrorLine);
    }
}
