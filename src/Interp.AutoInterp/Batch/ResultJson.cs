using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Interp.AutoInterp.Batch;

/// <summary>The JSON settings of every file the batch writes: snake_case names, one line per document.</summary>
public static class ResultJson
{
    /// <summary>Serializer options for results, summaries and exports.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Writer options with the same (readable) escaping, for hand-written JSON.</summary>
    public static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Options that read a <see cref="UnitResult"/> without its bulky parts (records, pattern, judged samples): what
    /// summaries need, several times faster to read.
    /// </summary>
    public static readonly JsonSerializerOptions Head = new(Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Type != typeof(UnitResult)) return;
                    foreach (var property in info.Properties.Where(p => p.Name is "records" or "pattern" or "detection" or "fuzzing").ToList())
                        info.Properties.Remove(property);
                },
            },
        },
    };

    /// <summary>Indented variant for <c>summary.json</c>.</summary>
    public static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };
}
