using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;

namespace Interp.Harvest.Tests;

/// <summary>
/// A hook glob (<c>blocks.*.hook_resid_post</c>) harvests every matching hook of the embedded model (4 layers) in one
/// forward pass a batch, each hook's store what a harvest of that hook alone writes.
/// </summary>
public sealed class HookGlobHarvestTests
{
    private const string Glob = "blocks.*.hook_resid_post";
    private static readonly string Embedded = Path.Combine(TestRepo.Root, "data", "models", "default");

    // 20 contexts of 32 tokens in shards of 3 contexts: several shards, so a cancelled run has some left to resume.
    private static HarvestJobOptions Options(string output, params string[] hooks) => new()
    {
        Corpus = [TestRepo.Corpus("tinyshakespeare.txt")], Hooks = hooks, OutDirectory = output, Ctx = 32, Tokens = 640, Batch = 4, ShardMegabytes = 0.05,
    };

    // Forward passes the model makes while running: each one passes hook_embed once.
    private static int ForwardPasses(Gpt2 model, Action run)
    {
        var passes = 0;
        using (model.Hooks((HookName.Embed, (_, _) => { passes++; return null; }))) run();
        return passes;
    }

    [Fact]
    public void A_layer_glob_writes_every_layers_store_in_one_pass_each_equal_to_a_single_hook_harvest()
    {
        using var model = Gpt2.Load(Embedded);
        using var dir = new TempDir();
        var job = HarvestJob.Prepare(model, Options(dir["all"], Glob));
        Assert.Equal(Enumerable.Range(0, 4).Select(HookName.ResidPost), job.Hooks);
        var globPasses = ForwardPasses(model, () => job.Run());

        foreach (var hook in job.Hooks)
        {
            var single = dir[$"single-{hook.Layer(4)}"];
            var singlePasses = ForwardPasses(model, () => HarvestJob.Prepare(model, Options(single, hook.Name)).Run());
            Assert.Equal(singlePasses, globPasses);                                   // four stores for the passes of one
            StoreAssert.SameStore(Path.Combine(single, hook.Name), Path.Combine(dir["all"], hook.Name));
            Assert.Equal(hook.Name, ActivationManifestHook(Path.Combine(dir["all"], hook.Name)));
        }
        Assert.Equal(4, ActivationStoreReader.HookFolders(dir["all"]).Count);
    }

    [Fact]
    public void A_cancelled_glob_harvest_resumes_to_the_store_an_unbroken_one_writes()
    {
        using var model = Gpt2.Load(Embedded);
        using var dir = new TempDir();
        HarvestJob.Prepare(model, Options(dir["clean"], Glob)).Run();

        using var cancel = new CancellationTokenSource();
        var first = HarvestJob.Prepare(model, Options(dir["resumed"], Glob));
        Assert.ThrowsAny<OperationCanceledException>(() => first.Run(_ => cancel.Cancel(), cancel.Token));
        var rest = HarvestJob.Prepare(model, Options(dir["resumed"], Glob)).Run();
        Assert.InRange(rest.TokensThisRun, 1, 640 - 1);                              // only what the first run left
        StoreAssert.SameStore(dir["clean"], dir["resumed"]);
    }

    [Fact]
    public void A_glob_matching_no_hook_is_refused_naming_it_and_the_closest_glob()
    {
        using var model = Gpt2.Load(Embedded);
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidOptionException>(() => HarvestJob.Prepare(model, Options(dir["x"], "blocks.2.hook_resid_pre", "blocks.*.hook_resid_pots")));
        Assert.Equal("hook name 'blocks.*.hook_resid_pots' matches no per-token hook of this model; the closest is blocks.*.hook_resid_post", e.Message);
        Assert.False(Directory.Exists(dir["x"]));
    }

    private static string ActivationManifestHook(string folder) => ActivationManifest.Load(folder).Hook;
}
