using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Unicode;
using static Interp.Core.Safetensors.SafetensorsFile;

namespace Interp.Core.Safetensors;

/// <summary>The safetensors JSON header: tensor entries (dtype, shape, data offsets) and metadata, validated against the data section.</summary>
internal static class SafetensorsHeader
{
    private const string MetadataKey = "__metadata__";

    /// <summary>
    /// Parses and validates the JSON header of <paramref name="path"/> (<paramref name="dataLength"/>: bytes after it): the
    /// tensors in header order and the <c>__metadata__</c> map; every problem is an <see cref="InterpException"/> naming the key.
    /// </summary>
    public static (IReadOnlyDictionary<string, SafetensorsTensorInfo>, IReadOnlyDictionary<string, string>) Parse(
        string path, byte[] header, long dataLength)
    {
        if (!Utf8.IsValid(header))
            throw Bad(path, $"header ({header.Length} bytes) is not valid UTF-8");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Bad(path, $"header is not valid JSON: {OneLine(e.Message)}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Bad(path, $"header is a JSON {Kind(root.ValueKind)}, not an object");

            var tensors = new OrderedDictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seenMetadata = false;
            foreach (var property in root.EnumerateObject())
            {
                var key = property.Name;
                if (key == MetadataKey)
                {
                    if (seenMetadata) throw Bad(path, $"duplicate key {Quote(MetadataKey)}");
                    seenMetadata = true;
                    ParseMetadata(path, property.Value, metadata);
                    continue;
                }
                if (tensors.ContainsKey(key)) throw Bad(path, $"duplicate tensor {Quote(key)}");
                tensors.Add(key, ParseTensor(path, key, property.Value, dataLength));
            }

            CheckOverlaps(path, tensors.Values);
            return (new ReadOnlyDictionary<string, SafetensorsTensorInfo>(tensors),
                new ReadOnlyDictionary<string, string>(metadata));
        }
    }

    private static void ParseMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"{Quote(MetadataKey)} is a JSON {Kind(value.ValueKind)}, not an object of strings");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Bad(path, $"{Quote(MetadataKey)} entry {Quote(entry.Name)} is a JSON {Kind(entry.Value.ValueKind)}, not a string");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw Bad(path, $"{Quote(MetadataKey)} has duplicate key {Quote(entry.Name)}");
        }
    }

    private static SafetensorsTensorInfo ParseTensor(string path, string name, JsonElement value, long dataLength)
    {
        var where = $"tensor {Quote(name)}";
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"{where} is a JSON {Kind(value.ValueKind)}, not an object");

        if (!value.TryGetProperty("dtype", out var dtypeElement))
            throw Bad(path, $"{where} has no \"dtype\"");
        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad(path, $"{where} has a \"dtype\" that is a JSON {Kind(dtypeElement.ValueKind)}, not a string");
        var dtypeText = dtypeElement.GetString();
        if (!SafetensorsDtypeExtensions.TryParseFormatString(dtypeText, out var dtype))
            throw Bad(path, $"{where} has unknown dtype {Quote(dtypeText ?? "")} (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");

        if (!value.TryGetProperty("shape", out var shapeElement))
            throw Bad(path, $"{where} has no \"shape\"");
        if (shapeElement.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"{where} has a \"shape\" that is a JSON {Kind(shapeElement.ValueKind)}, not an array");
        var shape = new long[shapeElement.GetArrayLength()];
        var i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var d))
                throw Bad(path, $"{where} has shape {Raw(shapeElement)} whose entry {i} ({Raw(dim)}) is not an integer");
            if (d < 0)
                throw Bad(path, $"{where} has shape {Raw(shapeElement)} with negative dimension {d}");
            shape[i++] = d;
        }

        if (!value.TryGetProperty("data_offsets", out var offsetsElement))
            throw Bad(path, $"{where} has no \"data_offsets\"");
        if (offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2
            || !TryGetOffset(offsetsElement[0], out var begin) || !TryGetOffset(offsetsElement[1], out var end))
            throw Bad(path, $"{where} has data_offsets {Raw(offsetsElement)}, not two non-negative integers [begin, end]");
        if (end < begin)
            throw Bad(path, $"{where} has data_offsets {Raw(offsetsElement)} that are not ascending (end < begin)");
        if (end > dataLength)
            throw Bad(path, $"{where} has data_offsets {Raw(offsetsElement)} past the end of the {dataLength}-byte data section");

        long expected;
        try
        {
            expected = 1;
            foreach (var d in shape) expected = checked(expected * d);
            expected = checked(expected * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw Bad(path, $"{where} has shape {Raw(shapeElement)} whose size overflows 64 bits");
        }
        if (end - begin != expected)
            throw Bad(path,
                $"{where} has data_offsets {Raw(offsetsElement)} spanning {end - begin} bytes, but shape {FormatShape(shape)} of {dtype.ToFormatString()} needs {expected}");

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static bool TryGetOffset(JsonElement e, out long value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out value) && value >= 0;
    }

    private static void CheckOverlaps(string path, IEnumerable<SafetensorsTensorInfo> tensors)
    {
        // Zero-byte tensors occupy no bytes, so they cannot overlap anything.
        var sorted = tensors.Where(t => t.End > t.Begin)
            .OrderBy(t => t.Begin).ThenBy(t => t.End).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        for (var k = 1; k < sorted.Count; k++)
        {
            var a = sorted[k - 1];
            var b = sorted[k];
            if (b.Begin < a.End)
                throw Bad(path,
                    $"tensors {Quote(a.Name)} [{a.Begin}, {a.End}] and {Quote(b.Name)} [{b.Begin}, {b.End}] overlap");
        }
    }

    /// <summary>The one-line error for a malformed file.</summary>
    public static InterpException Bad(string path, string detail) => new($"invalid safetensors file {path}: {detail}");

    private static string Kind(JsonValueKind k) => k switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => k.ToString(),
    };

    /// <summary>The element's JSON text, on one line and cut short if long.</summary>
    private static string Raw(JsonElement e) => Shorten(OneLine(e.GetRawText()));
}
