using System.Globalization;
using System.Text;

namespace Interp.AutoInterp.Explain;

/// <summary>
/// The text form of records that explainer and simulator prompts use: one token a line, <c>token&lt;TAB&gt;value</c>,
/// each record between a <c>&lt;start&gt;</c> and an <c>&lt;end&gt;</c> line; a value not given is written
/// <c>unknown</c>. Newlines, tabs and carriage returns inside a token are written as <c>\n</c>, <c>\t</c>, <c>\r</c> so
/// that one token stays one line.
/// </summary>
public static class RecordFormat
{
    /// <summary>The line that opens a record.</summary>
    public const string Start = "<start>";
    /// <summary>The line that closes a record.</summary>
    public const string End = "<end>";
    /// <summary>The value written where the activation is to be predicted.</summary>
    public const string Unknown = "unknown";

    /// <summary>A token as it appears on its line (control characters escaped).</summary>
    public static string EscapeToken(string token) =>
        token.IndexOfAny(['\n', '\t', '\r', '\\']) < 0 ? token : token.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\r", "\\r");

    /// <summary>
    /// Appends one record. <paramref name="values"/> null writes every value as <c>unknown</c>; with
    /// <paramref name="omitZeros"/> the lines whose value is 0 are left out (the explainer's second, sparse view).
    /// </summary>
    public static void Append(StringBuilder text, IReadOnlyList<string> tokens, IReadOnlyList<int>? values, bool omitZeros = false)
    {
        if (values is not null && values.Count != tokens.Count)
            throw new ArgumentException($"{tokens.Count} tokens but {values.Count} values", nameof(values));
        text.Append(Start).Append('\n');
        for (var i = 0; i < tokens.Count; i++)
        {
            if (omitZeros && values is not null && values[i] == 0) continue;
            text.Append(EscapeToken(tokens[i])).Append('\t');
            if (values is null) text.Append(Unknown);
            else text.Append(values[i].ToString(CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        text.Append(End).Append('\n');
    }

    /// <summary>One record as text (see <see cref="Append"/>).</summary>
    public static string Format(IReadOnlyList<string> tokens, IReadOnlyList<int>? values, bool omitZeros = false)
    {
        var text = new StringBuilder();
        Append(text, tokens, values, omitZeros);
        return text.ToString();
    }

    /// <summary>
    /// The records in a model's answer: every <c>&lt;start&gt;</c> … <c>&lt;end&gt;</c> block (an unterminated last
    /// block counts), each line split at its last tab. Lines without a tab are kept with a null value text so that a
    /// caller sees that the answer changed the record.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<WrittenLine>> Parse(string answer)
    {
        var blocks = new List<IReadOnlyList<WrittenLine>>();
        List<WrittenLine>? current = null;
        var offset = 0;
        while (offset <= answer.Length)
        {
            var newline = answer.IndexOf('\n', offset);
            var end = newline < 0 ? answer.Length : newline;
            var line = answer[offset..end];
            var lineOffset = offset;
            if (line.EndsWith('\r')) line = line[..^1];
            var trimmed = line.Trim();
            if (trimmed == Start)
                current = [];
            else if (trimmed == End)
            {
                if (current is not null) blocks.Add(current);
                current = null;
            }
            else if (current is not null && line.Length > 0)
            {
                var tab = line.LastIndexOf('\t');
                current.Add(tab < 0
                    ? new WrittenLine(line, null, -1)
                    : new WrittenLine(line[..tab], line[(tab + 1)..], lineOffset + tab + 1));
            }
            if (newline < 0) break;
            offset = newline + 1;
        }
        if (current is { Count: > 0 }) blocks.Add(current);
        return blocks;
    }
}

/// <summary>
/// One line of a record written back by a model: the token as written, the value text (null when the line has no tab),
/// and where the value starts in the answer (to find its log-probabilities; -1 when absent).
/// </summary>
public sealed record WrittenLine(string Token, string? Value, int ValueOffset)
{
    /// <summary>The value as a number on the 0–10 scale, or null when it is not one.</summary>
    public double? Number =>
        Value is not null && double.TryParse(Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && v <= Discretisation.MaxValue
            ? v : null;
}
