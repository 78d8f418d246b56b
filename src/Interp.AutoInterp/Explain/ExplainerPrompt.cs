using System.Text;
using Interp.AutoInterp.Llm;
using Interp.Core.Records;

namespace Interp.AutoInterp.Explain;

/// <summary>
/// The explainer's prompt (written for this project, in the shape of OpenAI's): a system message on what a unit is and
/// what the token⇥value lines mean; two worked examples (records → one phrase); then the target unit's records on the
/// 0–10 scale of their own max, shown a second time without the zero lines when under 20% of the values are
/// non-zero; the model completes "the main thing this unit does is find …".
/// </summary>
public static class ExplainerPrompt
{
    /// <summary>The sentence the model completes.</summary>
    public const string Lead = "the main thing this unit does is find";

    private const string System =
        "You are helping to interpret units (neurons or sparse-autoencoder features) inside a language model. " +
        "A unit reacts to some kind of token in some kind of context. You will see short texts one token per line, " +
        "each line `token<TAB>activation`, where the activation is an integer from 0 (the unit is silent) to 10 " +
        "(the unit's strongest reaction); each text starts with a <start> line and ends with an <end> line. " +
        "Work out what makes the unit react and say it in a few words that complete the sentence \"" + Lead + " …\". " +
        "Name the pattern (a token, a kind of word, a context), not a list of every token. Answer with that phrase only, on one line.";

    private static readonly (string[] Tokens, int[] Values)[] ExampleA =
    [
        (["We", " meet", " on", " Monday", " and", " again", " on", " Friday", "."], [0, 0, 0, 10, 0, 0, 0, 8, 0]),
        (["Saturday", " mornings", " are", " quiet", "."], [9, 1, 0, 0, 0]),
    ];

    private static readonly (string[] Tokens, int[] Values)[] ExampleB =
    [
        (["The", " sample", " (", "n", " =", " 42", ")", " was", " small", "."], [0, 0, 0, 2, 3, 10, 0, 0, 0, 0]),
        (["Rates", " rose", " (", "see", " Table", " 3", ")", "."], [0, 0, 0, 0, 1, 9, 0, 0]),
    ];

    /// <summary>The messages for a unit whose train records are <paramref name="records"/>.</summary>
    public static IReadOnlyList<LlmMessage> Build(IReadOnlyList<ActivationRecord> records)
    {
        var messages = new List<LlmMessage> { new("system", System) };
        messages.Add(new LlmMessage("user", Listing(ExampleA.Select(e => (e.Tokens, e.Values)).ToList())));
        messages.Add(new LlmMessage("assistant", "days of the week"));
        messages.Add(new LlmMessage("user", Listing(ExampleB.Select(e => (e.Tokens, e.Values)).ToList())));
        messages.Add(new LlmMessage("assistant", "numbers inside parentheses, most strongly the number itself"));

        var max = Discretisation.MaxActivation(records);
        var listed = records.Select(r => (r.Tokens, Discretisation.Discretise(r.Activations, max))).ToList();
        messages.Add(new LlmMessage("user", Listing(listed)));
        return messages;
    }

    private static string Listing(IReadOnlyList<(string[] Tokens, int[] Values)> records)
    {
        var text = new StringBuilder("Unit activations:\n");
        foreach (var (tokens, values) in records) RecordFormat.Append(text, tokens, values);
        var total = records.Sum(r => r.Values.Length);
        var nonZero = records.Sum(r => r.Values.Count(v => v > 0));
        if (total > 0 && nonZero < 0.2 * total)
        {
            text.Append("\nThe same texts, only the tokens with non-zero activation:\n");
            foreach (var (tokens, values) in records) RecordFormat.Append(text, tokens, values, omitZeros: true);
        }
        text.Append("\nComplete: ").Append(Lead);
        return text.ToString();
    }

    /// <summary>The explanation in a model's answer: its first non-empty line without the lead, quotes or final full stop; null when empty.</summary>
    public static string? ParseAnswer(string answer)
    {
        var line = answer.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        if (line is null) return null;
        foreach (var lead in new[] { Lead, "the main thing this neuron does is find", "main thing this unit does is find" })
        {
            var at = line.IndexOf(lead, StringComparison.OrdinalIgnoreCase);
            if (at >= 0) line = line[(at + lead.Length)..];
        }
        line = line.Trim().Trim('"', '\'', '“', '”', '…').Trim();
        if (line.EndsWith('.')) line = line[..^1].TrimEnd();
        return line.Length == 0 || line.Length > 400 ? null : line;
    }
}
