using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.Core.Records;
using Interp.Web.Runs;
using Interp.Web.Tests.Support;
using Interp.Web.Units;

namespace Interp.Web.Tests.Data;

/// <summary>Explanations scored by <c>interp score</c> (several per unit) reach the unit page best first, beside autointerp's own.</summary>
public sealed class ImportedExplanationsTests
{
    private static string Line(string unit, string? source, string explanation, double? correlation, string status = "ok") =>
        JsonSerializer.Serialize(new UnitResult
        {
            Unit = unit, Source = source, Status = status, Explanation = explanation,
            Scores = correlation is null ? null : new ResultScores(correlation, null, null, null, null, null),
        }, ResultJson.Options);

    [Fact]
    public void The_index_keeps_each_scored_explanation_of_a_unit_apart_from_autointerps_line()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("results"), "results.jsonl");
        File.WriteAllLines(path,
        [
            Line("h/1", null, "autointerp's", 0.5),
            Line("h/1", "openai", "commas", 0.2),
            Line("h/1", "mine", "lists", 0.1, status: "failed"),
            Line("h/1", "mine", "lists", 0.7),
            Line("h/2", "openai", "numbers", 0.9),
        ]);

        var index = ResultsIndex.Build(path);

        Assert.Equal("autointerp's", index.Summary("h/1")!.Explanation);
        Assert.Equal([("mine", "ok", 0.7), ("openai", "ok", 0.2)],
            index.Imported("h/1").Select(r => (r.Source!, r.Status, r.Scores!.Correlation!.Value)).OrderBy(r => r.Item1, StringComparer.Ordinal));
        Assert.Single(index.Imported("h/2"));
        Assert.Empty(index.Imported("h/3"));
        Assert.Null(index.Summary("h/2"));
    }

    [Fact]
    public void A_scored_explanations_line_is_read_back_whole_with_its_simulated_records_the_last_line_winning()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("results"), "results.jsonl");
        UnitResult WithRecords(float simulated) => new()
        {
            Unit = "h/1", Source = "openai", Status = "ok", Explanation = "commas",
            Records = [new ScoredRecordResult("top", 0, 0, ["a", ","], [0f, 2f], [0f, simulated], false, null)],
        };
        File.WriteAllLines(path,
        [
            JsonSerializer.Serialize(WithRecords(3f), ResultJson.Options),
            Line("h/1", null, "autointerp's", 0.5),
            JsonSerializer.Serialize(WithRecords(9f), ResultJson.Options),
        ]);

        var index = ResultsIndex.Build(path);

        Assert.Equal([0f, 9f], index.ReadImported("h/1", "openai", "commas")!.Records!.Single().Simulated);
        Assert.Null(index.ReadImported("h/1", "openai", "other"));
        Assert.Null(index.ReadImported("h/1", "mine", "commas"));
    }

    [Fact]
    public async Task A_unit_page_lists_every_explanation_scored_for_the_unit_best_first()
    {
        var fixture = FixtureRun.Shared;
        var runs = TestPaths.NewTempFolder("runs-scored");
        var run = Path.Combine(runs, FixtureRun.Name);
        foreach (var stage in new[] { "records", "autointerp" }) Copy(Path.Combine(fixture.RunFolder, stage), Path.Combine(run, stage));
        var unit = new UnitId(FixtureRun.MlpHook, 3).ToString();
        var scored = Path.Combine(run, "autointerp", "score-hypotheses");
        Directory.CreateDirectory(scored);
        File.WriteAllLines(Path.Combine(scored, ResultsFile.FileName),
        [
            Line(unit, "colleague", "middling", 0.4),
            Line(unit, "openai", "best", 0.8),
            Line(unit, "delphi", "undefined", null),
            Line(unit, "colleague", "worst", -0.1),
        ]);

        using var units = new RecordsUnitPageSource(new RunCatalog(runs));
        var page = units.Find(FixtureRun.Name, UnitId.Parse(unit))!;

        Assert.Equal(["best", "middling", "worst", "undefined"], page.Imported!.Select(e => e.Explanation));
        Assert.Equal([1, 2, 3, 4], page.Imported!.Select(e => e.Rank));
        Assert.Equal("openai", page.Imported![0].Source);
        using var unscored = new RecordsUnitPageSource(new RunCatalog(fixture.RunsFolder));
        Assert.Null(unscored.Find(FixtureRun.Name, UnitId.Parse(unit))!.Imported);

        // The page as served: a table, best first.
        using var server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--runs", runs, "--urls", "http://127.0.0.1:0", "--model", TestPaths.DefaultModel]);
        var (status, _, body) = await RawHttp.GetAsync(server.Address, "/" + UnitUrls.Unit(FixtureRun.Name, UnitId.Parse(unit)));
        Assert.True(status == 200, $"HTTP {status}\n{server.Output}");
        var table = body[body.IndexOf("id=\"unit-imported\"", StringComparison.Ordinal)..];
        var at = new[] { "best", "middling", "worst", "undefined" }.Select(e => table.IndexOf($"<td>{e}</td>", StringComparison.Ordinal)).ToList();
        Assert.True(at.All(i => i > 0) && at.SequenceEqual(at.Order()), string.Join(", ", at));
        Assert.Equal(4, table.Split("class=\"sim-toggle\"").Length - 1);
    }

    [Fact]
    public async Task The_unit_list_sorts_by_best_score_or_one_sources_score_and_offers_each_source()
    {
        var fixture = FixtureRun.Shared;
        var runs = TestPaths.NewTempFolder("runs-sorted");
        var run = Path.Combine(runs, FixtureRun.Name);
        Copy(Path.Combine(fixture.RunFolder, "records"), Path.Combine(run, "records"));
        var scored = Path.Combine(run, "autointerp", "score-hypotheses");
        Directory.CreateDirectory(scored);
        string U(int i) => new UnitId(FixtureRun.MlpHook, i).ToString();
        File.WriteAllLines(Path.Combine(scored, ResultsFile.FileName),
        [
            Line(U(5), "openai", "five", 0.3),
            Line(U(5), "openai", "five, better", 0.6),
            Line(U(2), "openai", "two", 0.5),
            Line(U(2), "colleague", "two, mine", 0.9),
            Line(U(7), "colleague", "seven", 0.1, status: "failed"),
        ]);

        using var units = new RecordsUnitPageSource(new RunCatalog(runs));
        var source = units.FindSource(FixtureRun.Name, FixtureRun.MlpHook)!;
        var openai = units.List(source, new UnitListQuery { Sort = UnitSort.SourceScore, ScoreSource = "openai", Descending = true });
        var best = units.List(source, new UnitListQuery { Sort = UnitSort.Best, Descending = true });

        Assert.Equal([5, 2, 0], openai.Rows.Take(3).Select(r => r.Index));
        Assert.Equal([2, 5, 0], best.Rows.Take(3).Select(r => r.Index));
        Assert.Equal(["colleague", "openai"], best.ScoreSources);

        // The list as served: the sort choice names each source, and ?sort=source:NAME orders the table by it.
        using var server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--runs", runs, "--urls", "http://127.0.0.1:0", "--model", TestPaths.DefaultModel]);
        var (status, _, body) = await RawHttp.GetAsync(server.Address, "/" + UnitUrls.List(FixtureRun.Name, FixtureRun.MlpHook) + "?sort=source:colleague&desc=true");
        Assert.True(status == 200, $"HTTP {status}\n{server.Output}");
        Assert.Contains("<option value=\"source:openai\">score of openai</option>", body, StringComparison.Ordinal);
        Assert.Contains("<option value=\"Best\">", body, StringComparison.Ordinal);
        var rows = body[body.IndexOf("id=\"unit-table\"", StringComparison.Ordinal)..];
        Assert.StartsWith("2\"", rows[(rows.IndexOf("data-unit=\"", StringComparison.Ordinal) + 11)..], StringComparison.Ordinal);
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.GetDirectories(from)) Copy(folder, Path.Combine(to, Path.GetFileName(folder)));
    }
}
