using Interp.Core.Hooks;
using Interp.Core.Records;

namespace Interp.Core.Tests.Records;

public sealed class UnitSourceTests
{
    [Theory]
    [InlineData("blocks.1.mlp.hook_post", UnitKind.Neuron, "blocks.1.mlp.hook_post", "neuron")]
    [InlineData("sae:blocks.2.hook_resid_pre", UnitKind.SaeLatent, "blocks.2.hook_resid_pre", "sae_latent")]
    [InlineData("hook_embed", UnitKind.Neuron, "hook_embed", "neuron")]
    [InlineData("sae:blocks.0.attn.hook_z", UnitKind.SaeLatent, "blocks.0.attn.hook_z", "sae_latent")]
    public void A_source_parses_into_its_kind_and_hook_and_prints_back_the_same(string text, UnitKind kind, string hook, string kindName)
    {
        var source = UnitSource.Parse(text);
        Assert.Equal(kind, source.Kind);
        Assert.Equal(hook, source.Hook.Name);
        Assert.Equal(kindName, source.KindName);
        Assert.Equal(kind == UnitKind.SaeLatent, source.IsSae);
        Assert.Equal(text, source.ToString());
        Assert.Equal(source, UnitSource.Parse(source.ToString()));
    }

    [Fact]
    public void The_factories_print_the_forms_that_records_stores_and_unit_ids_carry()
    {
        Assert.Equal("blocks.1.mlp.hook_post", UnitSource.Neurons(HookName.MlpPost(1)).ToString());
        Assert.Equal("sae:blocks.2.hook_resid_pre", UnitSource.SaeLatents(HookName.ResidPre(2)).ToString());
        var id = new UnitId(UnitSource.SaeLatents(HookName.ResidPre(2)).ToString(), 88);
        Assert.Equal("sae:blocks.2.hook_resid_pre/88", id.ToString());
        Assert.Equal(UnitSource.SaeLatents(HookName.ResidPre(2)), UnitSource.Parse(UnitId.Parse(id.ToString()).Source));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sae:")]
    [InlineData("sae:sae:blocks.2.hook_resid_pre")]
    [InlineData("blocks.1 .mlp.hook_post")]
    [InlineData("sae: blocks.2.hook_resid_pre")]
    [InlineData("blocks.1.mlp.hook_post\t")]
    public void Bad_text_is_one_clear_line_that_names_it(string text)
    {
        var e = Assert.Throws<InterpException>(() => UnitSource.Parse(text));
        Assert.StartsWith($"unit source '{text}': expected a hook", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(UnitSource.TryParse(text, out _));
    }

    [Fact]
    public void Null_is_not_a_source()
    {
        Assert.False(UnitSource.TryParse(null, out var source));
        Assert.Equal(default, source);
    }
}
