using Interp.Core.Hooks;

namespace Interp.Core.Tests;

/// <summary>Hook globs expand against a 4-layer model's hook names in the model's order, each hook once.</summary>
public sealed class HookGlobTests
{
    private static readonly HookName[] Names = HookName.All(4).ToArray();

    private static string[] Expand(params string[] patterns) =>
        HookGlob.Expand(patterns, Names, p => HookName.Parse(p, 4), (glob, closest) => new InterpException($"'{glob}' matches nothing; closest {closest}"))
            .Select(h => h.Name).ToArray();

    [Fact]
    public void A_layer_glob_names_that_hook_of_every_layer_in_the_models_order()
    {
        Assert.Equal(["blocks.0.hook_resid_post", "blocks.1.hook_resid_post", "blocks.2.hook_resid_post", "blocks.3.hook_resid_post"],
            Expand("blocks.*.hook_resid_post"));
        Assert.Equal(["blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post", "blocks.2.mlp.hook_post", "blocks.3.mlp.hook_post"],
            Expand("blocks.*.mlp.hook_post"));
        Assert.Equal(HookName.BlockSuffixes.Select(s => $"blocks.2.{s}"), Expand("blocks.2.*"));
    }

    [Fact]
    public void Globs_and_exact_names_mix_and_a_hook_named_twice_keeps_its_first_place()
    {
        Assert.Equal(
            ["blocks.2.hook_resid_post", "blocks.0.hook_resid_post", "blocks.1.hook_resid_post", "blocks.3.hook_resid_post",
             "blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post", "blocks.2.mlp.hook_post", "blocks.3.mlp.hook_post"],
            Expand("blocks.2.hook_resid_post", "blocks.*.hook_resid_post", "blocks.?.mlp.hook_post", "blocks.0.mlp.hook_post"));
    }

    [Fact]
    public void A_dot_in_a_glob_is_only_a_dot()
    {
        Assert.Equal(["blocks.1.hook_resid_pre"], Expand("blocks?1.hook_resid_pr?"));
        Assert.Throws<InterpException>(() => Expand("blocks.*.hook_resid.pre"));          // '.' is no regex wildcard: no hook_resid_pre
    }

    [Fact]
    public void A_glob_matching_nothing_is_refused_with_the_closest_name()
    {
        Assert.Equal("'blocks.*.hook_resid_pots' matches nothing; closest blocks.*.hook_resid_post",
            Assert.Throws<InterpException>(() => Expand("blocks.*.hook_resid_pots")).Message);
        Assert.Equal("'blocks.1?.hook_resid_post' matches nothing; closest blocks.1.hook_resid_post",
            Assert.Throws<InterpException>(() => Expand("blocks.1?.hook_resid_post")).Message);
    }

    [Fact]
    public void An_exact_name_is_checked_as_before()
    {
        Assert.StartsWith("unknown hook name 'blocks.9.hook_resid_pre'", Assert.Throws<InterpException>(() => Expand("blocks.9.hook_resid_pre")).Message);
    }
}
