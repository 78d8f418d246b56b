using System.Text;
using System.Text.RegularExpressions;
using Interp.AutoInterp.Llm;

namespace Interp.AutoInterp.Score;

/// <summary>
/// The LLM judge's prompts for delphi's detection (does the unit fire anywhere in each text?) and fuzzing (are the
/// marked <c>&lt;&lt;tokens&gt;&gt;</c> the ones the explanation describes?), and the reading of the answer: a list of
/// 0s and 1s in square brackets, one per text.
/// </summary>
public static partial class JudgePrompt
{
    private const string DetectionSystem =
        "You check an explanation of a unit (a neuron or feature) of a language model against short texts. For each " +
        "numbered text, decide whether the unit, as explained, would react to any token in it. Answer with only a list " +
        "of 0s and 1s in square brackets, one per text in order: 1 if it would react somewhere in that text, 0 if not. " +
        "For three texts, an answer looks like [1, 0, 0].";

    private const string FuzzingSystem =
        "You check an explanation of a unit (a neuron or feature) of a language model against short texts in which some " +
        "tokens are marked <<like this>>. For each numbered text, decide whether the marked tokens are the ones the " +
        "explanation says the unit reacts to. Answer with only a list of 0s and 1s in square brackets, one per text in " +
        "order: 1 if the marks fit the explanation, 0 if not. For three texts, an answer looks like [0, 1, 0].";

    /// <summary>The messages for one batch of samples.</summary>
    public static IReadOnlyList<LlmMessage> Build(string explanation, IReadOnlyList<DelphiSample> batch, DelphiTask task)
    {
        var text = new StringBuilder();
        text.Append("Explanation: the main thing this unit does is find ").Append(explanation.Trim()).Append("\n\n");
        for (var i = 0; i < batch.Count; i++)
            text.Append("Text ").Append(i + 1).Append(": ").Append(Render(batch[i], task == DelphiTask.Fuzzing)).Append('\n');
        text.Append("\nAnswer with a list of ").Append(batch.Count).Append(" values.");
        return [new("system", task == DelphiTask.Detection ? DetectionSystem : FuzzingSystem), new("user", text.ToString())];
    }

    /// <summary>A window as one line of text; with <paramref name="marked"/>, runs of marked tokens wrapped in &lt;&lt; &gt;&gt; (leading spaces outside).</summary>
    public static string Render(DelphiSample sample, bool marked)
    {
        var marks = marked ? new HashSet<int>(sample.Marks) : [];
        var text = new StringBuilder();
        for (var i = 0; i < sample.Tokens.Length; i++)
        {
            var token = sample.Tokens[i].Replace("\r", "").Replace("\n", "\\n");
            if (!marks.Contains(i))
            {
                text.Append(token);
                continue;
            }
            var body = token.TrimStart();
            if (!marks.Contains(i - 1)) text.Append(token[..(token.Length - body.Length)]).Append("<<");
            else body = token;
            text.Append(body);
            if (!marks.Contains(i + 1)) text.Append(">>");
        }
        return text.ToString();
    }

    [GeneratedRegex(@"\[\s*[01](?:\s*,\s*[01])*\s*\]")]
    private static partial Regex List();

    /// <summary>
    /// The answers in <paramref name="response"/>: the first bracketed 0/1 list, which must have <paramref name="count"/>
    /// entries (else <see cref="MalformedAnswerException"/>), with P(1)/(P(0)+P(1)) per entry where log-probabilities came back.
    /// </summary>
    public static IReadOnlyList<Judgement> Parse(LlmResponse response, int count)
    {
        var match = List().Match(response.Text);
        if (!match.Success)
            throw new MalformedAnswerException($"judge answer has no [0/1, …] list: '{Explain.LlmExplainer.Preview(response.Text)}'");
        var reader = response.LogProbs is { Count: > 0 } lp ? new LogProbReader(lp) : null;
        var judgements = new List<Judgement>();
        for (var i = 0; i < match.Length; i++)
        {
            var c = match.Value[i];
            if (c != '0' && c != '1') continue;
            double? probability = reader?.At(match.Index + i) is { } token ? LogProbReader.ProbabilityOfOne(token) : null;
            judgements.Add(new Judgement(c == '1', probability));
        }
        if (judgements.Count != count)
            throw new MalformedAnswerException($"judge answer lists {judgements.Count} values for {count} texts: '{match.Value}'");
        return judgements;
    }
}
