using Bunit;
using Interp.Core.Records;
using Interp.Web.Components.Shared;

namespace Interp.Web.Tests.Components;

public sealed class LogitEffectTableTests : BunitContext
{
    [Fact]
    public void Lists_promoted_and_suppressed_tokens_as_text_with_signed_values()
    {
        var cut = Render<LogitEffectTable>(p => p
            .Add(c => c.Positive, [new TokenEffect(1, " king", 2.5f), new TokenEffect(2, "<img src=x onerror=alert(1)>", 1f)])
            .Add(c => c.Negative, [new TokenEffect(3, " queen", -1.25f)]));

        var positive = cut.FindAll("table.logits-positive tbody tr");
        Assert.Equal(2, positive.Count);
        Assert.Equal(" king", positive[0].QuerySelector("code")!.TextContent);
        Assert.Equal("+2.500", positive[0].QuerySelector("td.num")!.TextContent);
        Assert.Empty(cut.FindAll("img"));
        Assert.Equal("-1.250", cut.Find("table.logits-negative tbody tr td.num").TextContent);
    }

    [Fact]
    public void A_caption_says_the_direction_and_the_unembedding_are_centred_as_on_Neuronpedia()
    {
        var cut = Render<LogitEffectTable>(p => p.Add(c => c.Positive, [new TokenEffect(1, " king", 2.5f)]).Add(c => c.Negative, []));

        var caption = cut.Find("p.logit-caption").TextContent;
        Assert.Contains("mean over d_model", caption, StringComparison.Ordinal);
        Assert.Contains("unembedding centred", caption, StringComparison.Ordinal);
        Assert.Contains("Neuronpedia", caption, StringComparison.Ordinal);
    }
}
