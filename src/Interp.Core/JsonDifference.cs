using System.Text.Json.Nodes;

namespace Interp.Core;

/// <summary>
/// The first place two JSON documents differ, for messages that refuse to mix the outputs of different jobs
/// (<c>records merge</c>, <c>autointerp merge</c>): the dotted key and both values, short.
/// </summary>
public static class JsonDifference
{
    /// <summary>
    /// Null when <paramref name="a"/> and <paramref name="b"/> are equal; else e.g. <c>options.seed 0 (here 1)</c>, the
    /// values cut to a few dozen characters.
    /// </summary>
    public static string? First(JsonNode? a, JsonNode? b, string path = "")
    {
        if (JsonNode.DeepEquals(a, b)) return null;
        if (a is JsonObject x && b is JsonObject y)
            foreach (var key in x.Select(p => p.Key).Concat(y.Select(p => p.Key)).Distinct())
                if (First(x[key], y[key], path.Length == 0 ? key : $"{path}.{key}") is { } inner) return inner;
        return $"{(path.Length == 0 ? "the whole document" : path)} {Short(a)} (here {Short(b)})";
    }

    private static string Short(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "none";
        return text.Length <= 40 ? text : text[..37] + "…";
    }
}
