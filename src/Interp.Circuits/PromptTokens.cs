using Interp.Core;
using Interp.Core.Tokenization;
using Interp.Model;

namespace Interp.Circuits;

/// <summary>
/// A prompt as the analyses take it: text encoded with the model's tokenizer, starting with &lt;|endoftext|&gt; by default
/// as TransformerLens's <c>prepend_bos=True</c> (and Interp's harvest) do; token ids given as ids are used as given.
/// </summary>
public static class PromptTokens
{
    /// <summary>The token ids of <paramref name="text"/>, after the BOS id 50256 when <paramref name="prependBos"/>.</summary>
    /// <exception cref="InterpException">Empty text, or a model folder without a tokenizer.</exception>
    public static int[] Encode(Gpt2 model, string text, bool prependBos = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrEmpty(text)) throw new InterpException("the prompt is empty: give some text");
        var ids = model.RequireTokenizer().Encode(text);
        return prependBos ? [Gpt2Tokenizer.EndOfTextId, .. ids] : ids;
    }

    /// <summary>Each token's text (its bytes decoded alone); <c>#id</c> for a model folder without a tokenizer.</summary>
    public static string[] Strings(Gpt2 model, IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = ids.Select(id => CircuitInput.Token(model, id, "Ids")).ToArray();
        return model.Tokenizer is { } tokenizer && tokens.All(id => id < tokenizer.VocabSize)
            ? tokenizer.TokenStrings(tokens)
            : tokens.Select(id => $"#{id}").ToArray();
    }
}
