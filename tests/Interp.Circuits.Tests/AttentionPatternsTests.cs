using Interp.Core;
using Interp.Core.Hooks;
using static TorchSharp.torch;

namespace Interp.Circuits.Tests;

public sealed class AttentionPatternsTests
{
    [Theory]
    [InlineData(Models.Embedded)]
    [InlineData(Models.Fixture)]
    public void Every_row_sums_to_1_over_the_keys_it_may_see_and_equals_hook_pattern(string name)
    {
        using var model = Models.Load(name);
        var result = AttentionPatterns.Run(model, Models.Prompt);
        Assert.Equal(Enumerable.Range(0, model.Config.NLayer), result.Layers.Select(l => l.Layer));
        using var noGrad = no_grad();
        var (_, cache) = model.RunWithCache(tensor(Models.Prompt.Select(i => (long)i).ToArray(), [1, Models.Prompt.Length]),
            Enumerable.Range(0, model.Config.NLayer).Select(HookName.Pattern), stopAtLastHook: true);
        using (cache)
            foreach (var layer in result.Layers)
            {
                Assert.Equal(model.Config.NHead, layer.Patterns.Length);
                var expected = cache[HookName.Pattern(layer.Layer)][0].contiguous().data<float>().ToArray();
                Assert.Equal(expected, layer.Patterns.SelectMany(head => head.SelectMany(row => row)));
                foreach (var head in layer.Patterns)
                    for (var q = 0; q < head.Length; q++)
                    {
                        Assert.Equal(1.0, head[q].Sum(), 1e-5);
                        Assert.All(head[q][(q + 1)..], w => Assert.Equal(0f, w));             // causal: no later key
                    }
            }
    }

    [Fact]
    public void One_layer_can_be_asked_for_and_a_layer_out_of_range_is_refused_with_one_line()
    {
        using var model = Models.Load(Models.Fixture);
        var result = AttentionPatterns.Run(model, [1, 2, 3], layer: 4);
        Assert.Equal(4, Assert.Single(result.Layers).Layer);
        Assert.Equal("layer 5: must be between 0 and 4 (the model has 5 layers)",
            Assert.Throws<InvalidOptionException>(() => AttentionPatterns.Run(model, [1, 2, 3], layer: 5)).Message);
    }
}
