using System.CommandLine;
using Interp.Circuits;
using Interp.Core;
using Interp.Model;

namespace Interp.Cli.Commands;

/// <summary>
/// A circuit verb's prompt: <c>--ids 1,2,3</c> taken as given, or <c>--prompt TEXT</c> encoded after &lt;|endoftext|&gt;
/// (the BOS default; <c>--no-prepend-bos</c> leaves it out). <c>patch</c> has two: <c>--clean</c>/<c>--clean-prompt</c> and
/// <c>--corrupt</c>/<c>--corrupt-prompt</c>, sharing one <see cref="BosOption"/>.
/// </summary>
internal sealed class CircuitPromptOptions
{
    private readonly Option<string?> _ids, _prompt;

    public CircuitPromptOptions(string idsFlag = "--ids", string promptFlag = "--prompt", string what = "")
    {
        _ids = new Option<string?>(idsFlag) { Description = $"Comma-separated token ids of the{what} prompt, used as given (nothing prepended)" };
        _prompt = new Option<string?>(promptFlag) { Description = $"The{what} prompt as text, encoded after <|endoftext|> (see --no-prepend-bos)" };
    }

    /// <summary>The flag the prompt came from, once <see cref="Read"/> has run (for messages naming it).</summary>
    public string Flag { get; private set; } = "";

    public void AddTo(Command command)
    {
        command.Options.Add(_ids);
        command.Options.Add(_prompt);
    }

    /// <summary>The token ids; exactly one of the two flags must be given, and BOS flags only go with text.</summary>
    public int[] Read(ParseResult parse, Gpt2 model, bool? prependBos)
    {
        var (ids, prompt) = (parse.GetValue(_ids), parse.GetValue(_prompt));
        if (ids is not null && prompt is not null) throw new InterpException($"{_ids.Name} and {_prompt.Name}: give one or the other");
        if (ids is null && prompt is null) throw new InterpException($"give the prompt as {_ids.Name} 1,2,3 or {_prompt.Name} TEXT");
        if (ids is not null)
        {
            if (prependBos is not null)
                throw new InterpException($"--prepend-bos and --no-prepend-bos apply to text ({_prompt.Name}); {_ids.Name} are used as given");
            Flag = _ids.Name;
            return TokenIds.Parse(ids, _ids.Name);
        }
        Flag = _prompt.Name;
        if (prompt!.Length == 0) throw new InterpException($"{_prompt.Name}: the prompt is empty; give some text");
        return PromptTokens.Encode(model, prompt, prependBos ?? true);
    }

    /// <summary>
    /// A token given as an id (digits only) or as its text (<c>" Paris"</c>, leading space and all), which must encode to
    /// exactly one token; <paramref name="flag"/> names it in a refusal.
    /// </summary>
    public static int Token(Gpt2 model, string text, string flag)
    {
        if (text.Length > 0 && text.All(char.IsAsciiDigit))
            return int.TryParse(text, out var id) && id < model.Config.VocabSize
                ? id : throw new InterpException($"{flag} {text}: out of range for vocab_size={model.Config.VocabSize}");
        var tokenizer = model.Tokenizer
            ?? throw new InterpException($"{flag} {Quote(text)}: this model folder has no tokenizer; give a token id");
        var ids = tokenizer.Encode(text);
        return ids.Length == 1 ? ids[0]
            : throw new InterpException($"{flag} {Quote(text)}: not a single token (it encodes to {ids.Length} tokens{(ids.Length > 0 ? ": " + string.Join(", ", ids) : "")}); " +
                                        "give a token id or one token's text, e.g. ' Paris' with its leading space");
    }

    /// <summary>A token's text for a table: quoted, newlines and tabs made visible, cut to <paramref name="width"/>.</summary>
    public static string Quote(string text, int width = int.MaxValue)
    {
        var shown = text.Replace("\n", "⏎", StringComparison.Ordinal).Replace("\t", "⇥", StringComparison.Ordinal).Replace("\r", "␍", StringComparison.Ordinal);
        if (shown.Length > width - 2) shown = shown[..Math.Max(1, width - 3)] + "…";
        return $"'{shown}'";
    }
}
