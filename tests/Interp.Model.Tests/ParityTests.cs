using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Tests;

/// <summary>
/// Parity with the reference numbers for <c>tests/fixtures/tiny-random-gpt2</c> (Hugging Face outputs recorded by
/// onnxruntime-genai's test suite; see expected.json): plain causal runs, no masking.
/// </summary>
public sealed class ParityTests
{
    private const double Tolerance = 1e-4;
    private readonly FixtureExpectations _expected = FixtureExpectations.Load();

    [Fact]
    public void Fixture_prompt_logits_match_the_reference_within_1e_4()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(_expected.Inputs);
        using var logits = model.Run(tokens);                                        // (rows, 4, V)
        Assert.Equal(new long[] { _expected.Inputs.Length, 4, 1000 }, logits.shape);

        var actual = new List<double>();
        for (var r = 0; r < _expected.Inputs.Length; r++)
            for (var t = 0; t < 4; t++)
                foreach (var id in _expected.VocabIds)
                    actual.Add(logits[r, t, id].item<float>());
        AssertWithin(_expected.PromptLogits, actual, "prompt logits (row, position, id)");
    }

    [Fact]
    public void Fixture_second_step_logits_match_the_reference_by_full_recompute()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        using var noGrad = no_grad();
        var actual = new List<double>();
        for (var r = 0; r < _expected.Inputs.Length; r++)
        {
            var row = _expected.Inputs[r].Append(_expected.GreedyOutputs[r][0]).ToArray();
            using var tokens = T.Tokens(row);
            using var logits = model.Run(tokens);
            actual.AddRange(_expected.VocabIds.Select(id => (double)logits[0, -1, id].item<float>()));
        }
        AssertWithin(_expected.SecondStepLogits, actual, "second-step logits, full recompute");
    }

    [Fact]
    public void Fixture_second_step_logits_match_the_reference_through_the_kv_cache()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Config.NLayer);
        using var prompt = T.Tokens(_expected.Inputs);                                              // (2, 4)
        using var promptLogits = model.Run(prompt, cache: cache);
        Assert.Equal(4, cache.Length);
        using var next = T.Tokens(_expected.GreedyOutputs.Select(g => new long[] { g[0] }).ToArray()); // (2, 1)
        using var logits = model.Run(next, cache: cache);                                           // (2, 1, V)
        Assert.Equal(new long[] { 2, 1, 1000 }, logits.shape);
        Assert.Equal(5, cache.Length);

        var actual = new List<double>();
        for (var r = 0; r < 2; r++) actual.AddRange(_expected.VocabIds.Select(id => (double)logits[r, 0, id].item<float>()));
        AssertWithin(_expected.SecondStepLogits, actual, "second-step logits, KV cache");
    }

    [Fact]
    public void Fixture_greedy_generation_gives_the_reference_tokens()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        for (var r = 0; r < _expected.Inputs.Length; r++)
        {
            var prompt = _expected.Inputs[r].Select(t => (int)t).ToArray();
            var output = Generation.Generate(model, prompt, new GenerationOptions(MaxNewTokens: 6));
            Assert.Equal(prompt, output[..prompt.Length]);
            Assert.Equal(_expected.GreedyOutputs[r], output[prompt.Length..]);
        }
    }

    private static void AssertWithin(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        var bad = Enumerable.Range(0, expected.Count)
            .Where(i => !(Math.Abs(expected[i] - actual[i]) <= Tolerance))
            .Select(i => $"#{i}: expected {expected[i]:R}, got {actual[i]:R}")
            .ToList();
        Assert.True(bad.Count == 0, $"{what}: {bad.Count} of {expected.Count} values differ by more than {Tolerance}: {string.Join("; ", bad.Take(5))}");
    }
}

/// <summary>Generation with the KV cache computes what a full recompute computes.</summary>
public sealed class KvCacheTests(RandomGpt2Folder folder) : IClassFixture<RandomGpt2Folder>
{
    private const double Tolerance = 1e-5;

    [Fact]
    public void Kv_cache_logits_equal_a_full_recompute_at_every_step()
    {
        using var model = Gpt2.Load(folder.Folder);
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Config.NLayer);
        long[][] sequence = [[3, 17, 42, 5, 9], [11, 0, 49, 23, 7]];
        using (var promptLogits = model.Run(T.Tokens(sequence), cache: cache))
        using (var full = model.Run(T.Tokens(sequence)))
            T.Close(full, promptLogits, Tolerance, "prompt logits with an empty cache");

        for (var step = 0; step < 8; step++)
        {
            // Feed the argmax of the full recompute (so the sequence is the model's own) one position at a time.
            using var full = model.Run(T.Tokens(sequence));                                   // (2, T, V)
            var next = Enumerable.Range(0, 2).Select(r => full[r, -1].argmax().item<long>()).ToArray();
            sequence = sequence.Select((row, r) => row.Append(next[r]).ToArray()).ToArray();

            using var cached = model.Run(T.Tokens(next.Select(n => new[] { n }).ToArray()), cache: cache); // (2, 1, V)
            using var recomputed = model.Run(T.Tokens(sequence));
            Assert.Equal(sequence[0].Length, cache.Length);
            T.Close(recomputed[.., -1], cached[.., 0], Tolerance, $"step {step}: last-position logits");
        }
    }

    [Fact]
    public void A_multi_token_chunk_after_a_cached_prefix_equals_a_full_recompute()
    {
        // past > 0 with several new positions is the one case that needs an explicit offset causal mask.
        using var model = Gpt2.Load(folder.Folder);
        using var noGrad = no_grad();
        long[] tokens = [4, 8, 15, 16, 23, 42, 1, 2];
        using var full = model.Run(T.Tokens([tokens]));
        foreach (var explicitAttention in new[] { false, true })
        {
            using var hooks = explicitAttention
                ? model.Hooks(Enumerable.Range(0, model.Config.NLayer).Select(l => (Interp.Core.Hooks.HookName.Pattern(l), (HookFunction)((_, _) => null))).ToArray())
                : null;
            using var cache = new KvCache(model.Config.NLayer);
            using var first = model.Run(T.Tokens([tokens[..3]]), cache: cache);
            using var rest = model.Run(T.Tokens([tokens[3..]]), cache: cache);
            var path = explicitAttention ? "explicit attention" : "fused attention";
            T.Close(full[.., ..3], first, Tolerance, $"{path}: prefix logits");
            T.Close(full[.., 3..], rest, Tolerance, $"{path}: chunk logits after a cached prefix");
        }
    }

    [Fact]
    public void Greedy_generation_equals_argmax_of_full_recomputes()
    {
        using var model = Gpt2.Load(folder.Folder);
        int[] prompt = [1, 2, 3];
        var output = Generation.Generate(model, prompt, new GenerationOptions(MaxNewTokens: 10));
        Assert.Equal(13, output.Length);
        using var noGrad = no_grad();
        for (var i = prompt.Length; i < output.Length; i++)
        {
            using var logits = model.Run(T.Tokens(output[..i]));
            Assert.Equal(logits[0, -1].argmax().item<long>(), output[i]);
        }
    }

    [Fact]
    public void Sampled_generation_is_repeatable_with_a_seed_and_stays_in_the_top_k()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        int[] prompt = [0, 0, 195, 731];
        var options = new GenerationOptions(MaxNewTokens: 20, Temperature: 0.8, TopK: 20, Seed: 1234);
        var first = Generation.Generate(model, prompt, options);
        var second = Generation.Generate(model, prompt, options);
        var otherSeed = Generation.Generate(model, prompt, options with { Seed = 99 });
        var greedy = Generation.Generate(model, prompt, options with { Temperature = 0 });

        Assert.Equal(first, second);
        Assert.Equal(24, first.Length);
        Assert.NotEqual(first, otherSeed);
        Assert.NotEqual(greedy, first);

        using var noGrad = no_grad();
        for (var i = prompt.Length; i < first.Length; i++)
        {
            using var logits = model.Run(T.Tokens(first[..i]));
            using var top = logits[0, -1].topk(20).indexes;
            Assert.Contains((long)first[i], top.data<long>().ToArray());
        }
    }
}
