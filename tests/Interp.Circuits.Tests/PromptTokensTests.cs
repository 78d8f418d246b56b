using Interp.Core;

namespace Interp.Circuits.Tests;

public sealed class PromptTokensTests
{
    [Fact]
    public void Text_is_encoded_after_the_bos_token_by_default_and_without_it_when_asked()
    {
        using var model = Models.Load(Models.Embedded);
        var plain = model.RequireTokenizer().Encode("The cat sat");
        Assert.Equal([50256, .. plain], PromptTokens.Encode(model, "The cat sat"));
        Assert.Equal(plain, PromptTokens.Encode(model, "The cat sat", prependBos: false));
        Assert.Equal(["<|endoftext|>", "The", " cat", " sat"], PromptTokens.Strings(model, PromptTokens.Encode(model, "The cat sat")));
    }

    [Fact]
    public void Empty_text_is_refused_and_a_model_without_a_tokenizer_shows_ids()
    {
        using var model = Models.Load(Models.Embedded);
        Assert.Equal("the prompt is empty: give some text", Assert.Throws<InterpException>(() => PromptTokens.Encode(model, "")).Message);
        using var fixture = Models.Load(Models.Fixture);
        Assert.Equal(["#5", "#999"], PromptTokens.Strings(fixture, [5, 999]));
        Assert.Throws<InterpException>(() => PromptTokens.Encode(fixture, "text"));
    }
}
