using System.Text.Json;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// Unit records as JSON lines (<c>DIR/units.jsonl</c>, one <see cref="UnitRecord"/> a line, snake_case): a plain
/// interchange form for synthetic units and small hand-made sets. Lines are indexed on open and read on demand.
/// </summary>
public sealed class JsonlUnitRecordSource : IUnitRecordSource
{
    /// <summary>The file name inside the folder.</summary>
    public const string FileName = "units.jsonl";

    private readonly string _path;
    private readonly Dictionary<UnitId, (long Offset, int Length)> _index;

    private JsonlUnitRecordSource(string path, List<UnitId> units, Dictionary<UnitId, (long, int)> index)
    {
        _path = path;
        Units = units;
        _index = index;
    }

    /// <inheritdoc />
    public IReadOnlyList<UnitId> Units { get; }

    /// <summary>Opens <c>DIR/units.jsonl</c> and indexes its lines by unit id.</summary>
    public static JsonlUnitRecordSource Open(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new InterpException($"{path}: no such file");
        var units = new List<UnitId>();
        var index = new Dictionary<UnitId, (long, int)>();
        var bytes = File.ReadAllBytes(path);
        long offset = 0;
        var lineNumber = 0;
        while (offset < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', (int)offset);
            if (end < 0) end = bytes.Length;
            lineNumber++;
            var length = (int)(end - offset);
            if (length > 0)
            {
                var id = ReadId(bytes.AsSpan((int)offset, length), path, lineNumber);
                if (!index.TryAdd(id, (offset, length))) throw new InterpException($"{path}:{lineNumber}: unit {id} appears twice");
                units.Add(id);
            }
            offset = end + 1;
        }
        return new JsonlUnitRecordSource(path, units, index);
    }

    private static UnitId ReadId(ReadOnlySpan<byte> line, string path, int lineNumber)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"))
                {
                    reader.Read();
                    return JsonSerializer.Deserialize<UnitId>(ref reader, ResultJson.Options);
                }
                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException e)
        {
            throw new InterpException($"{path}:{lineNumber}: not a unit record ({e.Message.Split('\n')[0]})");
        }
        throw new InterpException($"{path}:{lineNumber}: unit record without an \"id\"");
    }

    /// <inheritdoc />
    public UnitRecord Read(UnitId id)
    {
        if (!_index.TryGetValue(id, out var at)) throw new InterpException($"unit {id}: not in {_path}");
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read);
        stream.Position = at.Offset;
        var buffer = new byte[at.Length];
        stream.ReadExactly(buffer);
        try
        {
            return JsonSerializer.Deserialize<UnitRecord>(buffer, ResultJson.Options) ?? throw new InterpException($"{_path}: unit {id}: empty record");
        }
        catch (JsonException e)
        {
            throw new InterpException($"{_path}: unit {id}: unreadable record ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>Writes <paramref name="records"/> to <c>DIR/units.jsonl</c> (atomically).</summary>
    public static void Write(string directory, IEnumerable<UnitRecord> records)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, FileName), tmp =>
        {
            using var stream = File.Create(tmp);
            foreach (var record in records)
            {
                JsonSerializer.Serialize(stream, record, ResultJson.Options);
                stream.WriteByte((byte)'\n');
            }
        });
    }
}
