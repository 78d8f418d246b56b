using Interp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model;

/// <summary>How to pick each next token. Temperature 0 is greedy; TopK 0 keeps the whole vocabulary.</summary>
public sealed record GenerationOptions(int MaxNewTokens = 32, double Temperature = 0, int TopK = 0, long Seed = 0, bool StopAtEndOfText = false);

/// <summary>Autoregressive generation with a KV cache: after the prompt, each step runs one position.</summary>
public static class Generation
{
    /// <summary>The options by meaning, for messages.</summary>
    public static string Meaning(string option) => option == nameof(GenerationOptions.MaxNewTokens) ? "new tokens" : option;

    /// <summary>
    /// Continues <paramref name="prompt"/> and returns prompt + new tokens. Hooks attached to the model stay active
    /// (that is how steering works). The context is limited to n_positions.
    /// </summary>
    public static int[] Generate(Gpt2 model, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        if (prompt.Count == 0) throw new InterpException("the prompt is empty: give at least one token");
        if (options.MaxNewTokens < 0)
            throw new InvalidOptionException(o => $"{o(nameof(options.MaxNewTokens))} must be ≥ 0, got {options.MaxNewTokens}", Meaning);
        if (prompt.Count + options.MaxNewTokens > model.Config.NPositions)
            throw new InterpException(
                $"prompt ({prompt.Count} tokens) + {options.MaxNewTokens} new tokens exceeds this model's n_positions={model.Config.NPositions}");
        var generator = options.Temperature > 0 ? new Generator((ulong)options.Seed) : null;
        var tokens = new List<int>(prompt);
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Config.NLayer);
        Tensor input = tensor(prompt.Select(t => (long)t).ToArray(), [1, prompt.Count], device: model.Device);
        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            using var scope = NewDisposeScope();
            var logits = model.Run(input, cache: cache)[0, -1];                 // (V)
            var next = NextToken(logits, options, generator);
            tokens.Add(next);
            if (options.StopAtEndOfText && next == Core.Tokenization.Gpt2Tokenizer.EndOfTextId) break;
            input.Dispose();
            input = tensor(new long[] { next }, [1, 1], device: model.Device).DetachFromDisposeScope();
        }
        input.Dispose();
        generator?.Dispose();
        return [.. tokens];
    }

    private static int NextToken(Tensor logits, GenerationOptions options, Generator? generator)
    {
        if (options.Temperature <= 0) return (int)logits.argmax().item<long>();
        var scaled = logits / options.Temperature;                           // (V)
        if (options.TopK > 0 && options.TopK < scaled.shape[0])
        {
            var kth = scaled.topk(options.TopK).values[-1];
            scaled = scaled.masked_fill(scaled < kth, float.NegativeInfinity);
        }
        return (int)scaled.softmax(-1).multinomial(1, generator: generator).item<long>();
    }
}
