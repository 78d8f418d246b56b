using Interp.Core;
using Interp.Core.Hooks;
using static TorchSharp.torch;

namespace Interp.Model.Tests;

/// <summary><see cref="Gpt2.RunFromLayer"/>: the blocks from L on, run on block L's input, give what the whole forward pass gives.</summary>
public sealed class RunFromLayerTests
{
    [Fact]
    public void Running_from_each_blocks_cached_input_gives_the_last_blocks_output_of_the_full_run()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = T.Tokens([[0, 0, 195, 731, 5], [1, 2, 3, 4, 9]]);
        var full = model.Run(tokens, stopAtLayer: model.Config.NLayer);                    // (2, 5, d)
        var (_, cache) = model.RunWithCache(tokens, Enumerable.Range(0, model.Config.NLayer).Select(HookName.ResidPre));
        using (cache)
            for (var layer = 0; layer < model.Config.NLayer; layer++)
            {
                var fromLayer = model.RunFromLayer(cache[HookName.ResidPre(layer)], layer);
                var worst = (fromLayer - full).abs().max().item<float>();
                Assert.True(worst < 1e-5, $"from layer {layer}: differs by {worst}");
            }
    }

    [Fact]
    public void Hooks_of_the_blocks_run_fire_and_a_bad_shape_or_layer_is_refused()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var seen = new List<string>();
        using (model.Hooks((HookName.ResidPre(3), (a, h) => { seen.Add(h.Name); return null; }),
                           (HookName.ResidPre(1), (a, h) => { seen.Add(h.Name); return null; })))
            model.RunFromLayer(zeros(1, 4, model.Config.NEmbd), 2);
        Assert.Equal(["blocks.3.hook_resid_pre"], seen);
        Assert.Throws<InterpException>(() => model.RunFromLayer(zeros(1, 4, 7), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.RunFromLayer(zeros(1, 4, model.Config.NEmbd), model.Config.NLayer));
    }
}
