using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.Web.Tests.Support;
using Interp.Web.Units;

namespace Interp.Web.Tests.Data;

public sealed class ResultsIndexTests
{
    private static string Line(UnitResult result) => JsonSerializer.Serialize(result, ResultJson.Options);

    private static UnitResult Result(string unit, string status, string? explanation, double? correlation) => new()
    {
        Unit = unit, Status = status, Explanation = explanation, Error = status == "ok" ? null : "boom",
        Scores = correlation is null ? null : new ResultScores(correlation, 0.5, 0.4, null, null, null),
        Records = [new ScoredRecordResult("top", 3, 0, ["a", "<b>"], [1f, 0f], [10f, 0f], false, null)],
    };

    [Fact]
    public void Indexes_each_unit_and_reads_one_line_back_in_full()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("results"), "results.jsonl");
        File.WriteAllText(path, Line(Result("h/1", "ok", "cats", 0.7)) + "\n" + Line(Result("h/2", "failed", null, null)) + "\n");

        var index = ResultsIndex.Build(path);

        Assert.Equal(2, index.Count);
        Assert.Equal(new ResultSummary("h/1", true, "cats", 0.7, null), index.Summary("h/1"));
        Assert.False(index.Summary("h/2")!.Ok);
        var full = index.Read("h/1")!;
        Assert.Equal(["a", "<b>"], full.Records![0].Tokens);
        Assert.Null(index.Read("h/3"));
        Assert.True(index.IsCurrent());
    }

    [Fact]
    public void The_last_line_of_a_unit_wins_and_a_line_being_written_is_left_for_later()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("results"), "results.jsonl");
        File.WriteAllText(path, Line(Result("h/1", "failed", null, null)) + "\n" + Line(Result("h/1", "ok", "retried", 0.9)) + "\n{\"unit\":\"h/2\",\"sta");

        var index = ResultsIndex.Build(path);

        Assert.Equal(1, index.Count);
        Assert.Equal("retried", index.Read("h/1")!.Explanation);
        File.AppendAllText(path, "tus\":\"ok\"}\n");
        Assert.False(index.IsCurrent());
        Assert.Equal(2, ResultsIndex.Build(path).Count);
    }

    [Fact]
    public void A_damaged_line_is_reported_and_the_rest_indexed()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("results"), "results.jsonl");
        File.WriteAllText(path, "not json\n" + Line(Result("h/1", "ok", "cats", 0.7)) + "\n");

        var index = ResultsIndex.Build(path);

        Assert.Equal(1, index.Count);
        Assert.Contains($"{path}:1:", Assert.Single(index.Problems), StringComparison.Ordinal);
    }
}
