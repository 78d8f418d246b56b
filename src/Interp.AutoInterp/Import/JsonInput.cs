using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Interp.AutoInterp.Import;

/// <summary>
/// Reads an imported file's JSON values with where each came from: JSON lines (plain or <c>.gz</c>), one value a line,
/// or a file holding one JSON array (each element a value). A line that is not JSON is reported by its number, and
/// reading goes on.
/// </summary>
internal static class JsonInput
{
    /// <summary>Each value: its location (<c>FILE:LINE</c> or <c>FILE: item N</c>), the value, or null and why not.</summary>
    public static IEnumerable<(string Location, JsonElement? Value, string? Error)> Read(string path)
    {
        var text = ReadText(path);
        if (text.TrimStart().StartsWith('['))
        {
            JsonElement array;
            string? error = null;
            try
            {
                using var document = JsonDocument.Parse(text);
                array = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                array = default;
                error = $"not a JSON array ({OneLine(e.Message)})";
            }
            if (error is not null)
            {
                yield return (path, null, error);
                yield break;
            }
            var item = 0;
            foreach (var element in array.EnumerateArray()) yield return ($"{path}: item {++item}", element, null);
            yield break;
        }
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            JsonElement? value = null;
            string? reason = null;
            try
            {
                using var document = JsonDocument.Parse(line);
                value = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                reason = $"not JSON ({OneLine(e.Message)})";
            }
            yield return ($"{path}:{number}", value, reason);
        }
    }

    /// <summary>The file's text, gunzipped when its name ends in <c>.gz</c>.</summary>
    public static string ReadText(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        try
        {
            return reader.ReadToEnd();
        }
        catch (InvalidDataException e)
        {
            throw new Core.InterpException($"{path}: not a gzip file ({OneLine(e.Message)})");
        }
    }

    /// <summary>The string at <paramref name="name"/>, or null when absent or not a string.</summary>
    public static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The non-negative integer at <paramref name="name"/> (a number or a string of digits, as Neuronpedia writes it), or null.</summary>
    public static int? Index(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= 0) return n;
        if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s)) return s;
        return null;
    }

    /// <summary>The first line of a parser message, without System.Text.Json's " LineNumber: … | BytePositionInLine: …" tail (the caller names the line).</summary>
    public static string OneLine(string message)
    {
        var line = message.Split('\n')[0].TrimEnd('\r');
        var tail = line.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return tail < 0 ? line : line[..tail];
    }
}
