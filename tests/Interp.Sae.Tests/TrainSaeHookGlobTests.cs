using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Store;

namespace Interp.Sae.Tests;

/// <summary><c>TrainSaeJob.PerHook</c>: a hook glob over a store root becomes one run per matching hook.</summary>
public sealed class TrainSaeHookGlobTests
{
    /// <summary>A store root of a 12-layer model holding these hooks (2 contexts of 4 tokens, d 3, no BOS).</summary>
    private static string StoreRoot(TempDir dir, params string[] hooks)
    {
        var model = new ModelIdentity("synthetic", new string('0', 64), new JsonObject { ["n_layer"] = 12 });
        foreach (var hook in hooks)
            ArrayStore.Write(Path.Combine(dir.Path, "store", hook), model, hook, d: 3, ctx: 4, tokens: new int[8], values: new float[24], bosTokenId: null);
        return Path.Combine(dir.Path, "store");
    }

    [Fact]
    public void A_glob_gives_one_run_per_matching_stored_hook_in_the_models_order_each_in_its_own_folder()
    {
        using var dir = new TempDir();
        var root = StoreRoot(dir, "blocks.10.hook_resid_post", "blocks.2.hook_resid_post", "blocks.2.hook_resid_pre", "blocks.11.hook_resid_post");
        var options = new TrainSaeJobOptions { Activations = root, Hook = "blocks.*.hook_resid_post", OutDirectory = dir["saes"], K = 7 };

        var runs = TrainSaeJob.PerHook(options);

        Assert.Equal(new[] { "blocks.2.hook_resid_post", "blocks.10.hook_resid_post", "blocks.11.hook_resid_post" }, runs.Select(r => r.Hook!));
        Assert.All(runs, r => Assert.Equal(Path.Combine(dir["saes"], r.Hook!), r.OutDirectory));
        Assert.All(runs, r => Assert.Equal(options with { Hook = r.Hook, OutDirectory = r.OutDirectory }, r));   // nothing else changed
        var plain = options with { Hook = "blocks.2.hook_resid_pre" };
        Assert.Same(plain, Assert.Single(TrainSaeJob.PerHook(plain)));                                          // a plain name: the run as given
    }

    [Fact]
    public void A_glob_matching_no_stored_hook_is_refused_by_meaning_naming_the_closest()
    {
        using var dir = new TempDir();
        var root = StoreRoot(dir, "blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post");
        var options = new TrainSaeJobOptions { Activations = root, Hook = "blocks.*.mlp.hook_pots", OutDirectory = dir["saes"] };

        var e = Assert.Throws<InvalidOptionException>(() => TrainSaeJob.PerHook(options));

        Assert.Equal($"hook 'blocks.*.mlp.hook_pots' matches no hook stored in {root}; the closest is blocks.*.mlp.hook_post " +
                     "(stored: blocks.0.mlp.hook_post, blocks.1.mlp.hook_post)", e.Message);
    }
}
