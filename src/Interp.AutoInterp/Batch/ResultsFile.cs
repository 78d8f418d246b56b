using System.Text;
using System.Text.Json;
using Interp.Core;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// <c>results.jsonl</c>: one <see cref="UnitResult"/> a line, appended and flushed as each unit finishes, so a kill
/// loses at most the units in flight. Opening repairs a torn last line (a kill mid-write) by cutting the file back to
/// its last newline. When a unit appears twice (a failed unit retried), its last line counts.
/// </summary>
public sealed class ResultsFile : IDisposable
{
    /// <summary>The file name inside the output folder.</summary>
    public const string FileName = "results.jsonl";

    private readonly FileStream _stream;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _finished;

    private ResultsFile(string path, FileStream stream, Dictionary<string, string> finished)
    {
        Path = path;
        _stream = stream;
        _finished = finished;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Lines already in the file by <see cref="UnitResult.Key"/> (the unit, for the batch's own explanations) and their last status (<c>ok</c> or <c>failed</c>).</summary>
    public IReadOnlyDictionary<string, string> Finished => _finished;

    /// <summary>Opens (creating if needed) <paramref name="path"/> for appending, after repairing a torn tail.</summary>
    public static ResultsFile Open(string path)
    {
        RepairTail(path);
        var finished = new Dictionary<string, string>();
        if (File.Exists(path))
            foreach (var (_, header, _) in ParseLines<ResultHeader>(path))
                if (header is { Unit.Length: > 0, Status.Length: > 0 })                // unreadable lines: not finished
                    finished[UnitResult.KeyOf(header.Unit, header.Source, header.Explanation)] = header.Status;
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        return new ResultsFile(path, stream, finished);
    }

    /// <summary>Appends one unit's line and flushes it to the OS.</summary>
    public void Append(UnitResult result)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(result, ResultJson.Options);
        lock (_lock)
        {
            _stream.Write(line);
            _stream.WriteByte((byte)'\n');
            _stream.Flush();
            _finished[result.Key] = result.Status;
        }
    }

    /// <summary>
    /// Every result in <paramref name="path"/>, the last line of each unit (of each unit, source and explanation for
    /// imported ones: <see cref="UnitResult.Key"/>), in first-seen order; with
    /// <paramref name="headsOnly"/>, without records, pattern and judged samples (see <see cref="ResultJson.Head"/>).
    /// </summary>
    public static IReadOnlyList<UnitResult> ReadAll(string path, bool headsOnly = false)
    {
        var byUnit = new Dictionary<string, int>();
        var list = new List<UnitResult>();
        if (!File.Exists(path)) return list;
        foreach (var result in ReadLines<UnitResult>(path, headsOnly ? ResultJson.Head : ResultJson.Options))
        {
            if (byUnit.TryGetValue(result.Key, out var at)) list[at] = result;
            else
            {
                byUnit[result.Key] = list.Count;
                list.Add(result);
            }
        }
        return list;
    }

    /// <summary>
    /// Each line of <paramref name="path"/> as <typeparamref name="T"/>; an unterminated last line that does not parse
    /// is skipped (a torn write), any other bad line is an <see cref="InterpException"/> naming the file and line.
    /// </summary>
    public static IEnumerable<T> ReadLines<T>(string path, JsonSerializerOptions? options = null) where T : class
    {
        foreach (var (number, item, error) in ParseLines<T>(path, options))
            yield return item ?? throw new InterpException($"{path}:{number}: {error}");
    }

    /// <summary>
    /// Each non-blank line of <paramref name="path"/> with its 1-based number: the parsed item, or null and why not.
    /// An unterminated last line that does not parse is not yielded (a write in progress, or torn by a kill).
    /// </summary>
    internal static IEnumerable<(int Number, T? Item, string? Error)> ParseLines<T>(string path, JsonSerializerOptions? options = null) where T : class
    {
        options ??= ResultJson.Options;
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), Encoding.UTF8);
        var text = reader.ReadToEnd();
        var lineNumber = 0;
        var offset = 0;
        while (offset < text.Length)
        {
            var newline = text.IndexOf('\n', offset);
            var terminated = newline >= 0;
            var line = text[offset..(terminated ? newline : text.Length)];
            offset = terminated ? newline + 1 : text.Length;
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            T? item = null;
            string? error = null;
            try
            {
                item = JsonSerializer.Deserialize<T>(line, options);
                if (item is null) error = "empty result line";
            }
            catch (JsonException e)
            {
                if (!terminated) yield break;
                error = $"not a result line ({e.Message.Split('\n')[0]})";
            }
            yield return (lineNumber, item, error);
        }
    }

    /// <summary>Cuts <paramref name="path"/> back to just after its last newline (no-op for a missing or whole file).</summary>
    public static void RepairTail(string path)
    {
        if (!File.Exists(path)) return;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var length = stream.Length;
        if (length == 0) return;
        var buffer = new byte[64 * 1024];
        var end = length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            stream.Position = start;
            stream.ReadExactly(buffer, 0, (int)(end - start));
            for (var i = (int)(end - start) - 1; i >= 0; i--)
            {
                if (buffer[i] != (byte)'\n') continue;
                var keep = start + i + 1;
                if (keep != length) stream.SetLength(keep);
                return;
            }
            end = start;
        }
        stream.SetLength(0);
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    /// <summary>The fields needed to know what is finished.</summary>
    private sealed record ResultHeader(string Unit, string Status, string? Source, string? Explanation);
}
