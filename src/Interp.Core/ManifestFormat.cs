using System.Text.Json;
using System.Text.Json.Nodes;

namespace Interp.Core;

/// <summary>
/// A versioned manifest format (<c>manifest.json</c> of a store): the <c>format</c> name and <c>format_version</c> every
/// such file starts with, and the one way they are read and written (<see cref="JsonDefaults.Manifest"/>). Reading
/// checks the name and version before anything else, and turns damaged JSON into one line naming the file.
/// </summary>
/// <param name="Name">The value of the <c>format</c> key, e.g. <c>interp.activations</c>.</param>
/// <param name="Version">The one <c>format_version</c> this program writes and reads.</param>
/// <param name="Description">What a file of this format is, with its article, for messages: <c>an activation store manifest</c>.</param>
/// <param name="VersionLabel">How messages name the version: <c>format version</c>.</param>
public sealed record ManifestFormat(string Name, int Version, string Description, string VersionLabel)
{
    /// <summary>
    /// Parses <paramref name="json"/> as a <typeparamref name="T"/> of this format; <paramref name="where"/> names the file
    /// (or table) in errors.
    /// </summary>
    /// <exception cref="InterpException">Not JSON, another format, another version, empty, or a value of the wrong type.</exception>
    public T Parse<T>(string json, string where) where T : class
    {
        try
        {
            var node = JsonNode.Parse(json);
            var format = node?["format"]?.GetValue<string>();
            if (format != Name) throw new InterpException($"{where}: not {Description} (format '{format}', expected '{Name}')");
            var version = node?["format_version"]?.GetValue<int>() ?? 0;
            if (version != Version)
                throw new InterpException($"{where}: {VersionLabel} {version} is not supported (this program reads version {Version})");
            return node.Deserialize<T>(JsonDefaults.Manifest) ?? throw new InterpException($"{where}: empty manifest");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InterpException($"{where}: damaged manifest ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>The manifest as indented JSON.</summary>
    public static string ToJson<T>(T manifest) => JsonSerializer.Serialize(manifest, JsonDefaults.Manifest);

    /// <summary>Writes the manifest to <paramref name="path"/> atomically (temporary file, then rename), ending in a newline.</summary>
    public static void Save<T>(T manifest, string path) => AtomicFile.WriteAllText(path, ToJson(manifest) + "\n");
}
