using Interp.Core;

namespace Interp.Circuits.Tests;

public sealed class LogitLensTests
{
    [Theory]
    [InlineData(Models.Embedded)]
    [InlineData(Models.Fixture)]
    public void The_last_entry_is_exactly_the_models_own_log_softmax_top_k(string name)
    {
        using var model = Models.Load(name);
        var result = LogitLens.Run(model, Models.Prompt, top: 7);
        var expected = Models.Logits(model, Models.Prompt, logSoftmax: true);
        var last = result.Layers[^1];
        Assert.Equal($"blocks.{model.Config.NLayer - 1}.hook_resid_post", last.Hook);
        for (var p = 0; p < Models.Prompt.Length; p++)
        {
            var top = expected[p].Select((v, id) => (v, id)).OrderByDescending(x => x.v).Take(7).ToArray();
            Assert.Equal(top.Select(x => x.id), last.TopIds[p]);
            Assert.Equal(top.Select(x => x.v), last.TopLogprobs[p]);
        }
    }

    [Fact]
    public void There_is_one_entry_per_block_input_then_the_final_residual_stream_each_sorted_best_first()
    {
        using var model = Models.Load(Models.Fixture);
        var result = LogitLens.Run(model, [1, 2, 3], top: 3);
        Assert.Equal(new[] { 1, 2, 3 }, result.TokenIds);
        Assert.Equal(Enumerable.Range(0, 5).Select(l => $"blocks.{l}.hook_resid_pre").Append("blocks.4.hook_resid_post"),
            result.Layers.Select(l => l.Hook));
        foreach (var layer in result.Layers)
        {
            Assert.Equal(3, layer.TopIds.Length);
            Assert.All(layer.TopLogprobs, row => Assert.True(row[0] >= row[1] && row[1] >= row[2] && row[0] <= 0));
        }
        // The first entry reads the embeddings alone: different from the model's prediction.
        Assert.NotEqual(result.Layers[0].TopLogprobs[2], result.Layers[^1].TopLogprobs[2]);
    }

    [Fact]
    public void Empty_too_long_and_out_of_range_ids_and_a_bad_top_are_each_refused_with_one_line()
    {
        using var model = Models.Load(Models.Fixture);
        Assert.Equal("token ids: none given", Assert.Throws<InvalidOptionException>(() => LogitLens.Run(model, [])).Message);
        Assert.Equal("token ids: 513 tokens is longer than this model's n_positions=512",
            Assert.Throws<InvalidOptionException>(() => LogitLens.Run(model, new int[513])).Message);
        Assert.Equal("token ids: token id 1000 at position 1 is out of range for vocab_size=1000",
            Assert.Throws<InvalidOptionException>(() => LogitLens.Run(model, [3, 1000])).Message);
        Assert.Equal("number of top tokens 0: must be between 1 and vocab_size=1000",
            Assert.Throws<InvalidOptionException>(() => LogitLens.Run(model, [3], top: 0)).Message);
    }
}
