using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Tests;

/// <summary>
/// Native-memory leak guards: TorchSharp counts the tensors created and disposed on each thread
/// (<see cref="DisposeScopeManager.Statistics"/>); the forward pass, the cache and generation must not leave any
/// behind when their callers dispose what they are handed. Each test runs synchronously on one thread.
/// </summary>
public sealed class LeakTests
{
    [Fact]
    public void A_model_owns_its_parameters_and_releases_them_on_dispose()
    {
        var before = T.LiveTensors;
        var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        var owned = T.LiveTensors - before;
        var parameters = model.parameters().Count();
        // Whatever else construction keeps (nothing, ideally), the parameters are live and owned by the model.
        Assert.True(owned >= parameters, $"{owned} live tensors after loading, fewer than the {parameters} parameters");
        model.Dispose();
        Assert.Equal(before, T.LiveTensors);
    }

    [Fact]
    public void A_hundred_forward_passes_leave_the_live_tensor_count_unchanged()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        using var tokens = T.Tokens([[0, 0, 195, 731], [1, 2, 3, 4]]);
        using (model.Run(tokens)) { }                                       // warm-up
        var before = T.LiveTensors;
        for (var i = 0; i < 100; i++)
        {
            using var logits = model.Run(tokens);
        }
        using (no_grad())
            for (var i = 0; i < 10; i++)
            {
                using var hidden = model.Run(tokens, stopAtLayer: 2);
                using var normalized = model.Run(tokens, stopAtLayer: model.Config.NLayer + 1);
            }
        Assert.Equal(before, T.LiveTensors);
    }

    [Fact]
    public void Hooked_runs_and_run_with_cache_leave_the_live_tensor_count_unchanged()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        using var tokens = T.Tokens([[0, 0, 195, 731]]);
        var before = T.LiveTensors;
        for (var i = 0; i < 20; i++)
        {
            var (logits, cache) = model.RunWithCache(tokens);
            Assert.Equal(model.HookPoints.Count, cache.Count);
            cache.Dispose();
            logits?.Dispose();
        }
        for (var i = 0; i < 5; i++)
        {
            var (logits, cache) = model.RunWithCache(tokens, [Interp.Core.Hooks.HookName.ResidMid(1)], stopAtLastHook: true);
            Assert.Null(logits);
            cache.Dispose();
            using var ablated = model.RunWithHooks(tokens, (Interp.Core.Hooks.HookName.MlpPost(0), (a, _) => zeros_like(a)));
        }
        Assert.Equal(before, T.LiveTensors);
    }

    [Fact]
    public void Generation_and_kv_cache_runs_leave_the_live_tensor_count_unchanged()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        Generation.Generate(model, [1, 2, 3], new GenerationOptions(MaxNewTokens: 2));   // warm-up
        var before = T.LiveTensors;
        Generation.Generate(model, [0, 0, 195, 731], new GenerationOptions(MaxNewTokens: 10));
        Generation.Generate(model, [0, 0, 195, 731], new GenerationOptions(MaxNewTokens: 10, Temperature: 0.8, TopK: 20, Seed: 7));
        using (no_grad())
        using (var cache = new KvCache(model.Config.NLayer))
        {
            using (var prompt = T.Tokens([[5, 6, 7]]))
            using (model.Run(prompt, cache: cache)) { }
            for (var i = 0; i < 5; i++)
            {
                using var next = T.Tokens([[i]]);
                using var logits = model.Run(next, cache: cache);
            }
        }
        Assert.Equal(before, T.LiveTensors);
    }
}
