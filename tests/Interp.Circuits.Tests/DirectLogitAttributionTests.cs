using Interp.Core;

namespace Interp.Circuits.Tests;

public sealed class DirectLogitAttributionTests
{
    public static TheoryData<string, bool> Models_with_and_without_processing() => new()
    {
        { Models.Embedded, false }, { Models.Embedded, true }, { Models.Fixture, false }, { Models.Fixture, true },
    };

    [Theory]
    [MemberData(nameof(Models_with_and_without_processing))]
    public void The_components_sum_to_the_models_logit_within_1e_3(string name, bool processed)
    {
        using var model = Models.Load(name, processed ? Models.FoldAndCentre : null);
        var logits = Models.Logits(model, Models.Prompt);
        foreach (var (token, position) in new[] { (262, (int?)null), (13, 4), (7, 0) })
        {
            var result = DirectLogitAttribution.Run(model, Models.Prompt, token, position);
            var at = position ?? Models.Prompt.Length - 1;
            Assert.Equal((at, token), (result.Position, result.Token));
            Assert.Equal(logits[at][token], result.Logit, 1e-4);
            var sum = result.Components.Sum(c => c.Value);
            Assert.True(Math.Abs(sum - result.Logit) < 1e-3, $"{name}, token {token} at {at}: components sum to {sum}, the logit is {result.Logit}");
        }
    }

    [Fact]
    public void Components_carry_transformer_lens_labels_in_model_order()
    {
        using var model = Models.Load(Models.Fixture);
        var names = DirectLogitAttribution.Run(model, [1, 2, 3], 5).Components.Select(c => c.Name).ToArray();
        var expected = new List<string> { "embed", "pos_embed" };
        for (var l = 0; l < 5; l++)
        {
            expected.AddRange(Enumerable.Range(0, 4).Select(h => $"L{l}H{h}"));
            expected.Add($"blocks.{l}.attn.b_O");
            expected.Add($"{l}_mlp_out");
        }
        expected.Add("ln_final.b");
        Assert.Equal(expected, names);

        using var processed = Models.Load(Models.Fixture, Models.FoldAndCentre);
        var components = DirectLogitAttribution.Run(processed, [1, 2, 3], 5).Components;
        Assert.Equal([.. expected, "unembed.b_U"], components.Select(c => c.Name));
        Assert.Equal(0, components.Single(c => c.Name == "ln_final.b").Value);              // folded into the unembedding
    }

    [Fact]
    public void A_position_or_token_out_of_range_is_refused_with_one_line()
    {
        using var model = Models.Load(Models.Fixture);
        Assert.Equal("position 3: must be between 0 and 2 (the prompt has 3 tokens)",
            Assert.Throws<InvalidOptionException>(() => DirectLogitAttribution.Run(model, [1, 2, 3], 5, 3)).Message);
        Assert.Equal("target token 1000: out of range for vocab_size=1000",
            Assert.Throws<InvalidOptionException>(() => DirectLogitAttribution.Run(model, [1, 2, 3], 1000)).Message);
    }
}
