using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Explain;

namespace Interp.AutoInterp.Import;

/// <summary>
/// Interp's own format, JSON lines of <c>{"unit": "blocks.1.mlp.hook_post/17", "explanation": "…", "source": "…"}</c>
/// (<c>source</c> optional; an optional <c>pattern</c>, as autointerp's results.jsonl lines carry it, is used by the
/// pattern simulator).
/// </summary>
internal static class InterpExplanationReader
{
    public static IEnumerable<ImportEntry> Read(string path)
    {
        foreach (var (location, value, error) in JsonInput.Read(path))
        {
            if (value is not { ValueKind: JsonValueKind.Object } line)
            {
                yield return ImportEntry.Malformed(location, error ?? "not a JSON object");
                continue;
            }
            var unit = JsonInput.String(line, "unit");
            var text = JsonInput.String(line, "explanation");
            if (string.IsNullOrWhiteSpace(unit)) yield return ImportEntry.Malformed(location, "no \"unit\" string");
            else if (string.IsNullOrWhiteSpace(text)) yield return ImportEntry.Malformed(location, "no \"explanation\" string");
            else if (!TryPattern(line, out var pattern)) yield return ImportEntry.Malformed(location, "\"pattern\" is not an Interp token pattern");
            else yield return ImportEntry.Of(location, UnitMapping.Interp(unit), text, JsonInput.String(line, "source"), pattern);
        }
    }

    /// <summary>Reads an optional <c>pattern</c> member; false when one is there but is not a <see cref="TokenPattern"/>.</summary>
    internal static bool TryPattern(JsonElement obj, out TokenPattern? pattern)
    {
        pattern = null;
        if (!obj.TryGetProperty("pattern", out var p) || p.ValueKind == JsonValueKind.Null) return true;
        try
        {
            pattern = p.Deserialize<TokenPattern>(ResultJson.Options);
            return pattern?.Rules is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
