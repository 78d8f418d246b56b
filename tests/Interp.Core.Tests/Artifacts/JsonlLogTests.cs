using Interp.Core;

namespace Interp.Core.Tests.Artifacts;

/// <summary><see cref="JsonlLog"/>: snake_case lines, cut back to a step on resume.</summary>
public sealed class JsonlLogTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("interp-jsonl-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed record Report(int Step, double HeldOutLoss, double? LearningRate);

    [Fact]
    public void Entries_are_appended_as_one_snake_case_line_each()
    {
        var log = new JsonlLog(Path.Combine(_folder, JsonlLog.TrainingLogFileName));
        log.Append(new Report(1, 2.5, null));
        log.Append(new Report(2, 2.25, 0.001));

        Assert.Equal(
            ["""{"step":1,"held_out_loss":2.5,"learning_rate":null}""", """{"step":2,"held_out_loss":2.25,"learning_rate":0.001}"""],
            File.ReadAllLines(log.Path));
    }

    [Fact]
    public void Truncating_keeps_the_lines_up_to_the_step_and_drops_later_and_cut_short_ones()
    {
        var log = new JsonlLog(Path.Combine(_folder, JsonlLog.TrainingLogFileName));
        for (var step = 10; step <= 40; step += 10) log.Append(new Report(step, 1, 1));
        File.AppendAllText(log.Path, """{"step":50,"held_o""" + "\n");                         // a line cut short by a kill

        log.TruncateAfter(20);

        Assert.Equal([10, 20], File.ReadAllLines(log.Path).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()));
        Assert.Equal([JsonlLog.TrainingLogFileName], Directory.GetFiles(_folder).Select(Path.GetFileName));   // no temporary left
    }

    [Fact]
    public void Truncating_reads_logs_written_with_pascal_case_keys()
    {
        var path = Path.Combine(_folder, JsonlLog.TrainingLogFileName);
        File.WriteAllLines(path, ["""{"Step":10,"Loss":3}""", """{"Step":20,"Loss":2}""", "[1]"]);

        new JsonlLog(path).TruncateAfter(10);

        Assert.Equal(["""{"Step":10,"Loss":3}"""], File.ReadAllLines(path));
    }

    [Fact]
    public void Truncating_a_missing_log_creates_nothing()
    {
        var path = Path.Combine(_folder, JsonlLog.TrainingLogFileName);
        new JsonlLog(path).TruncateAfter(10);
        Assert.False(File.Exists(path));
    }
}
