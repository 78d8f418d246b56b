using System.Text.Json;

namespace Interp.AutoInterp.Import;

/// <summary>
/// OpenAI's released explanations, as openai/automated-interpretability's explanations.py writes them: JSON lines of
/// <c>NeuronSimulationResults</c> — <c>neuron_id</c> {<c>layer_index</c>, <c>neuron_index</c>} and
/// <c>scored_explanations</c> [{<c>explanation</c>, <c>scored_simulation</c>}] — one line per neuron, any number of
/// explanations each. Interp's own export adds the full <c>unit</c> (used instead of the neuron id) and each explanation's
/// <c>pattern</c>. A folder is read as OpenAI publishes its GPT-2 explanations: <c>&lt;layer&gt;/&lt;neuron&gt;.jsonl</c>, one
/// such line each, in (layer, neuron) order.
/// </summary>
internal static class OpenAiExplanationReader
{
    public static IEnumerable<ImportEntry> Read(string path) =>
        Directory.Exists(path) ? NeuronFiles(path).SelectMany(ReadFile) : ReadFile(path);

    /// <summary>Whether <paramref name="folder"/> holds OpenAI's per-neuron layout (a numbered folder with a numbered <c>.jsonl</c>).</summary>
    public static bool IsNeuronFolder(string folder) => NeuronFiles(folder).Any();

    private static IEnumerable<string> NeuronFiles(string folder) =>
        Directory.EnumerateDirectories(folder)
            .Select(layer => (Layer: Number(Path.GetFileName(layer)), Folder: layer))
            .Where(l => l.Layer is not null)
            .OrderBy(l => l.Layer)
            .SelectMany(l => Directory.EnumerateFiles(l.Folder, "*.jsonl")
                .Select(file => (Neuron: Number(Path.GetFileNameWithoutExtension(file)), File: file))
                .Where(n => n.Neuron is not null)
                .OrderBy(n => n.Neuron)
                .Select(n => n.File));

    private static int? Number(string name) =>
        int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    private static IEnumerable<ImportEntry> ReadFile(string path)
    {
        foreach (var (location, value, error) in JsonInput.Read(path))
        {
            if (value is not { ValueKind: JsonValueKind.Object } line)
            {
                yield return ImportEntry.Malformed(location, error ?? "not a JSON object");
                continue;
            }
            var unit = Unit(line);
            if (unit is null)
            {
                yield return ImportEntry.Malformed(location, "no neuron_id with integer layer_index and neuron_index");
                continue;
            }
            if (!line.TryGetProperty("scored_explanations", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                yield return ImportEntry.Malformed(location, "no scored_explanations list");
                continue;
            }
            var k = 0;
            foreach (var scored in list.EnumerateArray())
            {
                k++;
                var at = list.GetArrayLength() == 1 ? location : $"{location} (explanation {k})";
                var text = JsonInput.String(scored, "explanation");
                if (string.IsNullOrWhiteSpace(text)) yield return ImportEntry.Malformed(at, "no \"explanation\" string");
                else if (!InterpExplanationReader.TryPattern(scored, out var pattern)) yield return ImportEntry.Malformed(at, "\"pattern\" is not an Interp token pattern");
                else yield return ImportEntry.Of(at, unit, text, pattern: pattern);
            }
        }
    }

    private static ForeignUnit? Unit(JsonElement line)
    {
        if (JsonInput.String(line, "unit") is { Length: > 0 } unit) return UnitMapping.Interp(unit);
        if (!line.TryGetProperty("neuron_id", out var id) || id.ValueKind != JsonValueKind.Object) return null;
        return JsonInput.Index(id, "layer_index") is { } layer && JsonInput.Index(id, "neuron_index") is { } neuron ? UnitMapping.OpenAi(layer, neuron) : null;
    }
}
