using System.Text.Json;
using Interp.Core.Tokenization;

namespace Interp.Core.Corpora;

/// <summary>
/// A JSON-lines file (as datasets ship them): one JSON object per line, whose text field is one document. Blank lines are
/// skipped. A line is held whole while it is parsed, so memory follows the longest document, not the file.
/// </summary>
internal sealed class JsonLinesDocuments(CorpusTextFile file, string textField) : CorpusDocuments
{
    public override IEnumerable<TextReader> Read()
    {
        long number = 0;
        while (NextLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var text = TextOf(line, number);
            if (text.Length > 0) yield return new StringReader(text);
        }
    }

    public override string? ReplacementWarning() => file.ReplacementWarning();

    protected override void Dispose(bool disposing) => file.Dispose();

    // A damaged gzip stream fails inside the read: one line naming the file.
    private string? NextLine()
    {
        try
        {
            return file.Reader.ReadLine();
        }
        catch (InvalidDataException e)
        {
            throw new InterpException($"{file.Path}: not readable as gzip ({e.Message})", e);
        }
    }

    private string TextOf(string line, long number)
    {
        var where = $"{file.Path}: line {number:N0}";
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new InterpException($"{where}: not valid JSON ({e.Message}); expected one JSON object per line", e);
        }
        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InterpException($"{where}: a JSON {Kind(root.ValueKind)}, not an object (expected one JSON object per line)");
            if (!root.TryGetProperty(textField, out var value))
            {
                var fields = string.Join(", ", root.EnumerateObject().Select(p => $"'{p.Name}'").Take(20));
                throw new InvalidOptionException(n => $"{where}: no field '{textField}' ({n("TextField")}); the line has {(fields.Length > 0 ? fields : "no fields")}",
                    _ => "the text field");
            }
            if (value.ValueKind != JsonValueKind.String)
                throw new InterpException($"{where}: field '{textField}' is a {Kind(value.ValueKind)}, not a string");
            return value.GetString()!;
        }
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
