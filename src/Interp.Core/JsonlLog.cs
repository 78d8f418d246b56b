using System.Text.Json;

namespace Interp.Core;

/// <summary>
/// A training log in JSON Lines (<c>training_log.jsonl</c>): one object per report, snake_case keys, a <c>step</c> key
/// on every line. Lines are appended as the run goes; on resume the lines past the checkpoint's step are dropped
/// (atomically: a kill leaves the old or the new log, never a half-written one), since those steps run again.
/// </summary>
/// <param name="path">The log file.</param>
public sealed class JsonlLog(string path)
{
    /// <summary>The training log's file name in a trainer's output folder (SAE and model alike).</summary>
    public const string TrainingLogFileName = "training_log.jsonl";

    /// <summary>The log file.</summary>
    public string Path { get; } = path;

    /// <summary>Appends <paramref name="entry"/> as one snake_case line.</summary>
    public void Append<T>(T entry) => File.AppendAllText(Path, JsonSerializer.Serialize(entry, JsonDefaults.SnakeCase) + "\n");

    /// <summary>Removes the log: a fresh run starts an empty one.</summary>
    public void Delete() => File.Delete(Path);

    /// <summary>
    /// Keeps the lines whose step is at most <paramref name="step"/>; a line cut short by a kill, or without a step, goes.
    /// Logs written before keys were snake_case (<c>Step</c>) are read alike.
    /// </summary>
    public void TruncateAfter(long step)
    {
        if (!File.Exists(Path)) return;
        var kept = File.ReadLines(Path).Where(line => line.Length > 0 && StepOf(line) <= step).ToArray();
        AtomicFile.Write(Path, tmp => File.WriteAllLines(tmp, kept));
    }

    private static long StepOf(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return long.MaxValue;
            foreach (var property in document.RootElement.EnumerateObject())
                if (property.Name is "step" or "Step" && property.Value.TryGetInt64(out var s)) return s;
            return long.MaxValue;
        }
        catch (JsonException)
        {
            return long.MaxValue;                                                               // a line cut short by a kill
        }
    }
}
