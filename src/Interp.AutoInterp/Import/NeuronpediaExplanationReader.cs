using System.Text.Json;

namespace Interp.AutoInterp.Import;

/// <summary>
/// Neuronpedia's explanation export: objects with <c>modelId</c>, <c>layer</c> (its source, e.g. <c>6-res-jb</c>),
/// <c>index</c> (a string of digits) and <c>description</c> (the explanation), as the dataset's
/// <c>explanations/batch-N.jsonl.gz</c> files hold them one a line, or as one JSON array (the former
/// <c>/api/explanation/export</c>). Other members (<c>typeName</c>, <c>explanationModelName</c>, <c>embedding</c>) are not read.
/// </summary>
internal static class NeuronpediaExplanationReader
{
    public static IEnumerable<ImportEntry> Read(string path)
    {
        foreach (var (location, value, error) in JsonInput.Read(path))
        {
            if (value is not { ValueKind: JsonValueKind.Object } item)
            {
                yield return ImportEntry.Malformed(location, error ?? "not a JSON object");
                continue;
            }
            var layer = JsonInput.String(item, "layer");
            var index = JsonInput.Index(item, "index");
            var text = JsonInput.String(item, "description");
            if (string.IsNullOrWhiteSpace(layer)) yield return ImportEntry.Malformed(location, "no \"layer\" string");
            else if (index is null) yield return ImportEntry.Malformed(location, "no \"index\" (a non-negative integer)");
            else if (string.IsNullOrWhiteSpace(text)) yield return ImportEntry.Malformed(location, "no \"description\" string");
            else yield return ImportEntry.Of(location, UnitMapping.Neuronpedia(layer, index.Value), text);
        }
    }
}
