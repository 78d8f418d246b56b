using Interp.Core;
using Interp.Core.Tokenization;

namespace Interp.AutoInterp.Batch;

/// <summary>Real text tokenized with GPT-2's tokenizer, over which <see cref="SyntheticUnits"/> defines units with known behaviour.</summary>
public sealed class SyntheticCorpus
{
    /// <summary>Token ids, in order.</summary>
    public int[] Ids { get; }
    /// <summary>Token strings (decoded, leading spaces kept).</summary>
    public string[] Tokens { get; }

    private SyntheticCorpus(int[] ids, string[] tokens)
    {
        Ids = ids;
        Tokens = tokens;
    }

    /// <summary>Number of tokens.</summary>
    public int Length => Ids.Length;

    /// <summary>The first <paramref name="maxTokens"/> tokens of <paramref name="text"/>.</summary>
    public static SyntheticCorpus FromText(string text, int maxTokens, Gpt2Tokenizer? tokenizer = null)
    {
        tokenizer ??= Gpt2Tokenizer.Default;
        var ids = tokenizer.Encode(text);
        if (ids.Length > maxTokens) ids = ids[..maxTokens];
        return new SyntheticCorpus(ids, tokenizer.TokenStrings(ids));
    }

    /// <summary>The first <paramref name="maxTokens"/> tokens of WikiText-2 (test split) shipped in <c>data/corpora</c>.</summary>
    public static SyntheticCorpus WikiText(int maxTokens = 60_000)
    {
        var path = RepoPaths.DataFile("corpora/wikitext-2-raw-test.txt");
        if (!File.Exists(path)) throw new InterpException($"{path}: corpus not found (synthetic units need data/corpora)");
        using var reader = new StreamReader(path);
        var buffer = new char[Math.Min(maxTokens * 6, 4_000_000)];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return FromText(new string(buffer, 0, read), maxTokens);
    }
}
