using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interp.Core;

/// <summary>
/// The serializer options the project's files are written with, defined once. Each instance is shared and must not be
/// changed (System.Text.Json locks an instance on first use).
/// </summary>
public static class JsonDefaults
{
    /// <summary>snake_case names, one line per document: log lines and cache entries.</summary>
    public static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>snake_case names, indented: reports people read (<c>training_report.json</c>).</summary>
    public static readonly JsonSerializerOptions SnakeCaseIndented = new(SnakeCase) { WriteIndented = true };

    /// <summary>Names as given, indented: JSON built by hand as a <c>JsonObject</c> (<c>cfg.json</c>, <c>config.json</c>).</summary>
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Manifests (<c>manifest.json</c> of stores): snake_case, indented, nulls left out, required constructor
    /// parameters enforced on reading, and text such as <c>&lt;|endoftext|&gt;</c> left readable rather than escaped.
    /// </summary>
    public static readonly JsonSerializerOptions Manifest = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectRequiredConstructorParameters = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
