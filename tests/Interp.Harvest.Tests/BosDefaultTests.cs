using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;

namespace Interp.Harvest.Tests;

/// <summary>A harvest job starts every context with &lt;|endoftext|&gt; unless told not to, as TransformerLens and SAELens do.</summary>
public class BosDefaultTests
{
    private static HarvestJobOptions Options(string output) => new()
    {
        Corpus = [TestRepo.Corpus("tinyshakespeare.txt")], Hooks = ["blocks.0.hook_resid_pre"], OutDirectory = output, Ctx = 32, Tokens = 320, Batch = 4,
    };

    private static (ActivationManifest Manifest, int[] Position, int[] Token) Harvest(HarvestJobOptions options)
    {
        using var model = Gpt2.Load(TokenizerGpt2.Folder);
        HarvestJob.Prepare(model, options).Run();
        using var store = ActivationStoreReader.Open(options.OutDirectory, "blocks.0.hook_resid_pre");
        var (_, position, token) = store.LoadIndex();
        return (store.Manifest, position, token);
    }

    [Fact]
    public void By_default_every_context_starts_with_the_endoftext_token_and_without_bos_none_does()
    {
        using var dir = new TempDir();
        var (manifest, position, token) = Harvest(Options(dir["default"]));
        Assert.True(manifest.PrependBos);
        Assert.Equal(50256, manifest.BosTokenId);
        Assert.Equal(10 * 32, position.Length);
        var first = Enumerable.Range(0, position.Length).Where(r => position[r] == 0).ToArray();
        Assert.Equal(10, first.Length);
        Assert.All(first, r => Assert.Equal(50256, token[r]));
        Assert.DoesNotContain(Enumerable.Range(0, position.Length), r => position[r] > 0 && token[r] == 50256);   // the first 310 corpus tokens hold no separator

        // Turned off, the contexts are plain windows of the corpus.
        var (plain, _, plainTokens) = Harvest(Options(dir["plain"]) with { PrependBos = false });
        Assert.False(plain.PrependBos);
        Assert.Null(plain.BosTokenId);
        Assert.DoesNotContain(plainTokens, t => t == 50256);
    }
}
