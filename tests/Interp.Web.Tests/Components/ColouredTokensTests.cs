using Bunit;
using Interp.Web.Components.Shared;

namespace Interp.Web.Tests.Components;

public sealed class ColouredTokensTests : BunitContext
{
    [Fact]
    public void Tokens_that_look_like_markup_are_written_as_text_never_as_elements()
    {
        string[] tokens = ["<script>window.__xss=1</script>", "<img src=x onerror=\"window.__xss=2\">", " &amp;", " ok"];
        var cut = Render<ColouredTokens>(p => p.Add(c => c.Tokens, tokens).Add(c => c.Values, [1f, 2f, 0f, -1f]));

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        var spans = cut.FindAll("span.tok");
        Assert.Equal(tokens, spans.Select(s => s.TextContent));
        Assert.Contains("&lt;img src=x onerror=", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("&amp;amp;", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Hover_shows_the_token_and_its_value()
    {
        var cut = Render<ColouredTokens>(p => p.Add(c => c.Tokens, [" the", "<b>"]).Add(c => c.Values, [1.5f, -0.25f]));

        var spans = cut.FindAll("span.tok");
        Assert.Equal("\" the\"  1.5", spans[0].GetAttribute("title"));
        Assert.Equal("\"<b>\"  -0.25", spans[1].GetAttribute("title"));
        Assert.Equal("-0.25", spans[1].GetAttribute("data-value"));
    }

    [Fact]
    public void Colour_follows_the_sign_and_size_of_the_value_on_the_largest_value_by_default()
    {
        var cut = Render<ColouredTokens>(p => p.Add(c => c.Tokens, ["a", "b", "c", "d"]).Add(c => c.Values, [4f, 2f, 0f, -4f]));

        var styles = cut.FindAll("span.tok").Select(s => s.GetAttribute("style")).ToArray();
        Assert.Equal("background-color:rgba(255,140,0,1)", styles[0]);
        Assert.Equal("background-color:rgba(255,140,0,0.5)", styles[1]);
        Assert.Equal("background-color:transparent", styles[2]);
        Assert.Equal("background-color:rgba(30,120,255,1)", styles[3]);
    }

    [Fact]
    public void A_given_scale_sets_full_colour()
    {
        var cut = Render<ColouredTokens>(p => p.Add(c => c.Tokens, ["a"]).Add(c => c.Values, [1f]).Add(c => c.Scale, 4f));

        Assert.Equal("background-color:rgba(255,140,0,0.25)", cut.Find("span.tok").GetAttribute("style"));
    }

    [Fact]
    public void Newlines_and_tabs_are_shown_as_arrows_so_windows_keep_their_lines()
    {
        var cut = Render<ColouredTokens>(p => p.Add(c => c.Tokens, ["\n", "\t"]).Add(c => c.Values, [0f, 0f]));

        Assert.Equal(["↵", "→"], cut.FindAll("span.tok").Select(s => s.TextContent));
    }
}
