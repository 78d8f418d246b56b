using System.Globalization;
using Interp.Circuits;
using Interp.Core;
using Interp.Model;

namespace Interp.Web.Circuits;

/// <summary>
/// What the circuit pages read from their boxes: a prompt as token ids (BOS first, as the CLI's <c>--prompt</c>), checked
/// to fit the model, and a single token. Bad input is an <see cref="InterpException"/> whose one line the page shows.
/// </summary>
public static class PromptInput
{
    /// <summary>The ids of <paramref name="text"/> (<paramref name="what"/> names the box in messages).</summary>
    /// <exception cref="InterpException">Empty text, or more tokens than <paramref name="maxTokens"/> or the model's context.</exception>
    public static int[] Encode(Gpt2 model, string text, int maxTokens, string what = "prompt")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new InterpException($"the {what} is empty; type some text");
        var ids = PromptTokens.Encode(model, text);
        var limit = Math.Min(maxTokens, model.Config.NPositions);
        if (ids.Length > limit)
            throw new InterpException($"the {what} is {ids.Length:N0} tokens (with the BOS token); at most {limit:N0} fit (the model's context is {model.Config.NPositions:N0})");
        return ids;
    }

    /// <summary>
    /// The token typed in a token box: the text of exactly one vocabulary token (with its leading space: <c>" Paris"</c>),
    /// or its id as <c>#1234</c>.
    /// </summary>
    /// <exception cref="InterpException">Empty, several tokens, or an id outside the vocabulary.</exception>
    public static int Token(Gpt2 model, string text, string what)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(text);
        var vocab = model.Config.VocabSize;
        if (text.Length == 0) throw new InterpException($"the {what} token is empty; type one token (with its leading space, as \" the\") or its id as #1234");
        if (text.Length > 1 && text[0] == '#' && int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            return id < vocab ? id : throw new InterpException($"the {what} token id {id} is outside the vocabulary (0–{vocab - 1})");
        var tokenizer = model.RequireTokenizer();
        var ids = tokenizer.Encode(text);
        if (ids.Length == 1 && ids[0] < vocab) return ids[0];
        var pieces = string.Join(", ", tokenizer.TokenStrings(ids).Select(TokenText.Quote));
        throw new InterpException($"the {what} token {TokenText.Quote(text)} is not one token of the vocabulary but {ids.Length} ({pieces}); type one token, or its id as #1234");
    }
}
