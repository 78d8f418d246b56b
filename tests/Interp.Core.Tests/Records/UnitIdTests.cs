using Interp.Core.Records;

namespace Interp.Core.Tests.Records;

public sealed class UnitIdTests
{
    [Theory]
    [InlineData("blocks.1.mlp.hook_post/417", "blocks.1.mlp.hook_post", 417)]
    [InlineData("sae:blocks.2.hook_resid_pre/0", "sae:blocks.2.hook_resid_pre", 0)]
    [InlineData("a/b/c/12", "a/b/c", 12)]
    [InlineData("hook_embed/2147483647", "hook_embed", int.MaxValue)]
    public void A_unit_id_parses_at_its_last_slash_and_prints_back_the_same(string text, string source, int index)
    {
        Assert.True(UnitId.TryParse(text, out var id));
        Assert.Equal(new UnitId(source, index), id);
        Assert.Equal(id, UnitId.Parse(text));
        Assert.Equal(text, id.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("417")]
    [InlineData("/417")]
    [InlineData("blocks.1.mlp.hook_post/")]
    [InlineData("blocks.1.mlp.hook_post/-1")]
    [InlineData("blocks.1.mlp.hook_post/x")]
    [InlineData("blocks.1.mlp.hook_post/4.5")]
    [InlineData("blocks.1.mlp.hook_post/2147483648")]
    [InlineData("blocks.1.mlp.hook_post/3/")]
    public void Text_that_is_not_source_slash_index_does_not_parse(string? text)
    {
        Assert.False(UnitId.TryParse(text, out var id));
        Assert.Equal(default, id);
        if (text is null) return;
        var e = Assert.Throws<InterpException>(() => UnitId.Parse(text));
        Assert.Equal($"unit id '{text}': expected source/index, e.g. blocks.1.mlp.hook_post/417", e.Message);
    }
}
