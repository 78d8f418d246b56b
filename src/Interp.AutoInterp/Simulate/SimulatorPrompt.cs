using System.Text;
using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Llm;

namespace Interp.AutoInterp.Simulate;

/// <summary>
/// The simulator's prompt (all at once): the explanation, then the record with every value written <c>unknown</c>;
/// a worked example shows the answer's form (the same lines with numbers in place of <c>unknown</c>), so that the
/// model writes a number at each value, whose log-probabilities give the expected value.
/// </summary>
public static class SimulatorPrompt
{
    private const string System =
        "You predict how a unit (a neuron or feature) of a language model reacts to each token of a text, given an " +
        "explanation of what the unit finds. Reactions are integers from 0 (silent) to 10 (strongest); most tokens are 0. " +
        "The text comes one token per line as `token<TAB>unknown` between a <start> line and an <end> line. Answer with " +
        "exactly the same lines in the same order, the same tokens, each `unknown` replaced by your number, and nothing else.";

    private static readonly string[] ExampleTokens = ["See", " you", " on", " Tuesday", " or", " the", " weekend", "."];
    private static readonly int[] ExampleValues = [0, 0, 0, 10, 0, 0, 4, 0];

    /// <summary>The messages asking for <paramref name="tokens"/>' values under <paramref name="explanation"/>.</summary>
    public static IReadOnlyList<LlmMessage> Build(string explanation, IReadOnlyList<string> tokens) =>
    [
        new("system", System),
        new("user", Question("days of the week", ExampleTokens)),
        new("assistant", RecordFormat.Format(ExampleTokens, ExampleValues)),
        new("user", Question(explanation, tokens)),
    ];

    private static string Question(string explanation, IReadOnlyList<string> tokens)
    {
        var text = new StringBuilder();
        text.Append("Explanation: the main thing this unit does is find ").Append(explanation.Trim()).Append("\n\n");
        RecordFormat.Append(text, tokens, null);
        return text.ToString();
    }
}
