using System.Text.Json;
using Interp.Core;

namespace Interp.AutoInterp.Llm;

/// <summary>
/// LLM answers on disk, one JSON file per request under <c>DIR/ab/abcdef….json</c>, keyed by
/// <see cref="LlmRequest.CacheKey"/>: a re-run sends no request it has sent before. Files are written atomically; an
/// unreadable file counts as a miss and is removed.
/// </summary>
public sealed class ResponseCache(string directory)
{
    private static JsonSerializerOptions Json => JsonDefaults.SnakeCase;

    /// <summary>The cache folder.</summary>
    public string Directory { get; } = directory;

    private string PathOf(string key) => Path.Combine(Directory, key[..2], key + ".json");

    /// <summary>The cached answer for <paramref name="key"/>, or null.</summary>
    public LlmResponse? TryRead(string key)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<LlmResponse>(File.ReadAllText(path), Json) is { } r ? r with { FromCache = true } : null;
        }
        catch (JsonException)
        {
            Remove(key);
            return null;
        }
    }

    /// <summary>Stores <paramref name="response"/> under <paramref name="key"/>.</summary>
    public void Write(string key, LlmResponse response)
    {
        var path = PathOf(key);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(response with { FromCache = false }, Json));
    }

    /// <summary>Removes the answer stored under <paramref name="key"/>, if any.</summary>
    public void Remove(string key)
    {
        var path = PathOf(key);
        if (File.Exists(path)) File.Delete(path);
    }
}
