using System.Text;
using System.Text.RegularExpressions;
using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Llm;

namespace Interp.AutoInterp.Tests;

/// <summary>
/// A scripted "LLM" for the replay server that knows the truth of the synthetic unit firing on " the": it explains it,
/// simulates it (10 on " the", 0 elsewhere, with log-probabilities 0.8/0.2 and 0.9/0.1), and judges detection and
/// fuzzing windows by the same rule.
/// </summary>
internal static partial class ReplayScripts
{
    public const string Explanation = "the token \" the\"";

    public static bool IsExplainer(ReplayRequest r) => r.SystemMessage.Contains("interpret units");
    public static bool IsSimulator(ReplayRequest r) => r.SystemMessage.Contains("You predict how a unit");
    public static bool IsJudge(ReplayRequest r) => r.SystemMessage.Contains("You check an explanation");

    public static ReplayAnswer KnowsThe(ReplayRequest r)
    {
        if (IsExplainer(r)) return new ReplayAnswer.Chat($"the main thing this unit does is find {Explanation}.");
        if (IsSimulator(r)) return new ReplayAnswer.Chat(Simulate(r.LastUserMessage, t => t == " the" ? 10 : 0), ValueAlternatives);
        if (IsJudge(r)) return new ReplayAnswer.Chat(Judge(r.LastUserMessage, r.SystemMessage.Contains("marked")), JudgeAlternatives);
        return new ReplayAnswer.Status(400);
    }

    /// <summary>The record in a simulator prompt written back with <paramref name="value"/> per token.</summary>
    public static string Simulate(string prompt, Func<string, int> value)
    {
        var block = RecordFormat.Parse(prompt).Last();
        var text = new StringBuilder("<start>\n");
        foreach (var line in block) text.Append(line.Token).Append('\t').Append(value(Unescape(line.Token))).Append('\n');
        return text.Append("<end>").ToString();
    }

    private static string Unescape(string token) => token.Replace("\\n", "\n").Replace("\\t", "\t").Replace("\\r", "\r").Replace("\\\\", "\\");

    public static IReadOnlyList<TopLogProb>? ValueAlternatives(string token) => token switch
    {
        "10" => [new("10", Math.Log(0.8)), new("0", Math.Log(0.2))],
        "0" => [new("0", Math.Log(0.9)), new("1", Math.Log(0.1))],
        _ => null,
    };

    public static IReadOnlyList<TopLogProb>? JudgeAlternatives(string token) => token switch
    {
        "1" => [new("1", Math.Log(0.7)), new("0", Math.Log(0.3))],
        "0" => [new("0", Math.Log(0.6)), new("1", Math.Log(0.4))],
        _ => null,
    };

    [GeneratedRegex(@"^Text \d+: (.*)$", RegexOptions.Multiline)]
    private static partial Regex TextLine();

    [GeneratedRegex(@"<<([^>]*)>>")]
    private static partial Regex Mark();

    [GeneratedRegex(@" the(?![A-Za-z])")]
    private static partial Regex The();

    private static string Judge(string prompt, bool fuzzing)
    {
        var answers = TextLine().Matches(prompt).Select(m =>
        {
            var text = m.Groups[1].Value;
            if (!fuzzing) return The().IsMatch(text) ? 1 : 0;
            var marks = Mark().Matches(text).Select(x => x.Groups[1].Value).ToList();
            return marks.Count > 0 && marks.All(x => x == "the") ? 1 : 0;
        });
        return "[" + string.Join(", ", answers) + "]";
    }
}
