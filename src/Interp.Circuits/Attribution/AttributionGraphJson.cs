using System.Text.Json;
using Interp.Core;

namespace Interp.Circuits.Attribution;

/// <summary>
/// An attribution graph as JSON (what <c>interp attribute --json</c> prints and the graph page reads):
/// <code>
/// {"token_ids": [..], "tokens": [..],
///  "nodes": [{"id", "kind", "layer", "position", "feature", "activation", "token", "value", "probability"}, ..],
///  "edges": [{"source", "target", "weight"}, ..]}
/// </code>
/// <c>kind</c> is <c>embedding</c>, <c>feature</c>, <c>error</c>, <c>bias</c> or <c>logit</c>; <c>feature</c> is a
/// transcoder latent (features) or a vocabulary id (logits), else null; <c>activation</c> a feature's activation, else
/// null; <c>probability</c> a logit's probability, else null. An embedding node carries token + position embedding; a
/// bias node the constant terms of its block at its position (see <see cref="GraphNodeKind.Bias"/>).
/// </summary>
public static class AttributionGraphJson
{
    /// <summary>Writes the graph's properties into an object <paramref name="writer"/> has open.</summary>
    public static void WriteProperties(Utf8JsonWriter writer, AttributionGraph graph)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(graph);
        writer.WriteStartArray("token_ids");
        foreach (var id in graph.TokenIds) writer.WriteNumberValue(id);
        writer.WriteEndArray();
        writer.WriteStartArray("tokens");
        foreach (var token in graph.Tokens) writer.WriteStringValue(token);
        writer.WriteEndArray();
        writer.WriteStartArray("nodes");
        foreach (var n in graph.Nodes)
        {
            writer.WriteStartObject();
            writer.WriteString("id", n.Id);
            writer.WriteString("kind", KindName(n.Kind));
            writer.WriteNumber("layer", n.Layer);
            writer.WriteNumber("position", n.Position);
            if (n.Feature is { } f) writer.WriteNumber("feature", f); else writer.WriteNull("feature");
            if (n.Activation is { } a) writer.WriteNumber("activation", a); else writer.WriteNull("activation");
            writer.WriteString("token", n.Token);
            writer.WriteNumber("value", n.Value);
            if (n.Probability is { } p) writer.WriteNumber("probability", p); else writer.WriteNull("probability");
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("edges");
        foreach (var e in graph.Edges)
        {
            writer.WriteStartObject();
            writer.WriteString("source", e.Source);
            writer.WriteString("target", e.Target);
            writer.WriteNumber("weight", e.Weight);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>Writes the graph to <paramref name="path"/> (a temporary name, then renamed: no reader sees half of it).</summary>
    public static void Write(string path, AttributionGraph graph)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder) Directory.CreateDirectory(folder);
        AtomicFile.Write(path, tmp =>
        {
            using var file = File.Create(tmp);
            using var writer = new Utf8JsonWriter(file);
            writer.WriteStartObject();
            WriteProperties(writer, graph);
            writer.WriteEndObject();
        });
    }

    /// <summary>Reads a graph file; anything malformed is an <see cref="InterpException"/> naming the file and the key.</summary>
    public static AttributionGraph Read(string path)
    {
        JsonDocument document;
        try
        {
            using var file = File.OpenRead(path);
            document = JsonDocument.Parse(file);
        }
        catch (JsonException e)
        {
            throw new InterpException($"{path}: not JSON ({e.Message.Split('\n')[0]})");
        }
        using (document) return Parse(document.RootElement, path);
    }

    /// <summary>Parses a graph from <paramref name="json"/>; <paramref name="where"/> names it in messages.</summary>
    public static AttributionGraph Parse(JsonElement json, string where)
    {
        if (json.ValueKind != JsonValueKind.Object) throw new InterpException($"{where}: expected a JSON object");
        JsonElement Array(JsonElement o, string key, string at) =>
            o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array ? v : throw new InterpException($"{where}: {at}\"{key}\" must be an array");
        var tokenIds = Array(json, "token_ids", "").EnumerateArray().Select((v, i) => Int(v, $"token_ids[{i}]")).ToArray();
        var tokens = Array(json, "tokens", "").EnumerateArray().Select((v, i) => Text(v, $"tokens[{i}]")).ToArray();
        var nodes = Array(json, "nodes", "").EnumerateArray().Select((n, i) =>
        {
            var at = $"nodes[{i}].";
            return new GraphNode(Text(Get(n, "id", at), at + "id"), Kind(Get(n, "kind", at), at + "kind"),
                Int(Get(n, "layer", at), at + "layer"), Int(Get(n, "position", at), at + "position"),
                NullableInt(n, "feature", at), NullableNumber(n, "activation", at), Text(Get(n, "token", at), at + "token"),
                Number(Get(n, "value", at), at + "value"), NullableNumber(n, "probability", at));
        }).ToArray();
        var ids = nodes.Select(n => n.Id).ToHashSet();
        var edges = Array(json, "edges", "").EnumerateArray().Select((e, i) =>
        {
            var at = $"edges[{i}].";
            var (source, target) = (Text(Get(e, "source", at), at + "source"), Text(Get(e, "target", at), at + "target"));
            if (!ids.Contains(source)) throw new InterpException($"{where}: {at}source \"{source}\" is not a node's id");
            if (!ids.Contains(target)) throw new InterpException($"{where}: {at}target \"{target}\" is not a node's id");
            return new GraphEdge(source, target, Number(Get(e, "weight", at), at + "weight"));
        }).ToArray();
        return new AttributionGraph(tokenIds, tokens, nodes, edges);

        JsonElement Get(JsonElement o, string key, string at) =>
            o.ValueKind == JsonValueKind.Object && o.TryGetProperty(key, out var v) ? v : throw new InterpException($"{where}: {at}{key} is missing");
        int Int(JsonElement v, string at) => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw new InterpException($"{where}: {at} must be an integer");
        double Number(JsonElement v, string at) => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new InterpException($"{where}: {at} must be a number");
        string Text(JsonElement v, string at) => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new InterpException($"{where}: {at} must be a string");
        int? NullableInt(JsonElement o, string key, string at) =>
            o.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? Int(v, at + key) : null;
        double? NullableNumber(JsonElement o, string key, string at) =>
            o.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? Number(v, at + key) : null;
        GraphNodeKind Kind(JsonElement v, string at) =>
            Enum.GetValues<GraphNodeKind>().FirstOrDefault(k => KindName(k) == Text(v, at), (GraphNodeKind)(-1)) is var k && Enum.IsDefined(k) ? k
            : throw new InterpException($"{where}: {at} \"{Text(v, at)}\" is not one of {string.Join(", ", Enum.GetValues<GraphNodeKind>().Select(KindName))}");
    }

    /// <summary>The kind's JSON name: its lower-case name.</summary>
    public static string KindName(GraphNodeKind kind) => kind.ToString().ToLowerInvariant();
}
