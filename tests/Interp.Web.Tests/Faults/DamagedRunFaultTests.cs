using Interp.Records;
using Interp.Web.Tests.Support;
using Interp.Web.Units;
using Microsoft.Data.Sqlite;

namespace Interp.Web.Tests.Faults;

/// <summary>
/// Runs whose files are damaged on disk (a truncated records.db, a corrupted record row, a damaged manifest.json, a
/// truncated results.jsonl, a damaged SAE folder), served by a real <c>interp serve</c>: the Runs page says what is
/// damaged in words, every page of each run answers 200 or 4xx, and the log has no stack trace.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed class DamagedRunFaultTests(WebAppFixture fixture)
{
    private const string SaeRecords = "sae-" + FixtureRun.SaeHook;

    [Fact]
    public async Task A_truncated_records_db_is_named_on_the_runs_page_and_its_pages_answer_without_500()
    {
        var runs = CopyRun("truncated-db");
        var db = Path.Combine(runs, "truncated-db", "records", FixtureRun.MlpHook, UnitRecordStore.DatabaseFileName);
        using (var file = new FileStream(db, FileMode.Open)) file.SetLength(file.Length / 2);

        using var server = Serve(runs);
        var page = await GetOkAsync(server, "/runs");

        Assert.Contains("records.db: file is truncated", page, StringComparison.Ordinal);
        await AssertPagesAnswerAsync(server, "truncated-db");
        var (_, _, list) = await RawHttp.GetAsync(server.Address, "/" + UnitUrls.List("truncated-db", FixtureRun.MlpHook));
        Assert.Contains("records.db", list, StringComparison.Ordinal);
        FaultRequests.AssertNoStackTrace(server.Output);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_named_on_the_runs_page()
    {
        var runs = CopyRun("not-db");
        File.WriteAllText(Path.Combine(runs, "not-db", "records", FixtureRun.MlpHook, UnitRecordStore.DatabaseFileName), "hello, not sqlite\n");

        using var server = Serve(runs);
        var page = await GetOkAsync(server, "/runs");

        Assert.Contains("records.db: not a database", page, StringComparison.Ordinal);
        await AssertPagesAnswerAsync(server, "not-db");
        FaultRequests.AssertNoStackTrace(server.Output);
    }

    [Fact]
    public async Task A_corrupted_record_row_gives_its_unit_page_a_message_not_a_500()
    {
        var runs = CopyRun("bad-row");
        var db = Path.Combine(runs, "bad-row", "records", FixtureRun.MlpHook, UnitRecordStore.DatabaseFileName);
        int unit;
        using (var store = UnitRecordStore.Open(Path.GetDirectoryName(db)!)) unit = store.Units[0].Index;
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE unit_records SET data = randomblob(300) WHERE idx = $idx;";
            command.Parameters.AddWithValue("$idx", unit);
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        using var server = Serve(runs);
        var (status, _, body) = await RawHttp.GetAsync(server.Address, "/" + UnitUrls.Unit("bad-row", FixtureRun.MlpHook, unit));

        Assert.True(status is 200 or (>= 400 and < 500), $"HTTP {status}");
        Assert.Contains($"record of {FixtureRun.MlpHook}/{unit} is damaged", body, StringComparison.Ordinal);
        await AssertPagesAnswerAsync(server, "bad-row");
        Assert.Contains($"record of {FixtureRun.MlpHook}/{unit} is damaged", await GetOkAsync(server, "/runs"), StringComparison.Ordinal);
        FaultRequests.AssertNoStackTrace(server.Output);
    }

    [Fact]
    public async Task Damaged_manifests_are_named_on_the_runs_page_and_the_pages_answer_without_500()
    {
        var runs = CopyRun("bad-manifest");
        var run = Path.Combine(runs, "bad-manifest");
        File.WriteAllText(Path.Combine(run, "records", SaeRecords, "manifest.json"), "{ \"source\": ");
        File.WriteAllText(Path.Combine(run, "activations", FixtureRun.MlpHook, "manifest.json"), "[1, 2");

        using var server = Serve(runs);
        var page = await GetOkAsync(server, "/runs");

        Assert.Contains(Path.Combine(run, "records", SaeRecords, "manifest.json"), page, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(run, "activations", FixtureRun.MlpHook, "manifest.json"), page, StringComparison.Ordinal);
        await AssertPagesAnswerAsync(server, "bad-manifest");
        FaultRequests.AssertNoStackTrace(server.Output);
    }

    [Fact]
    public async Task A_truncated_results_file_leaves_every_page_answering()
    {
        var runs = CopyRun("cut-results");
        foreach (var results in Directory.EnumerateFiles(Path.Combine(runs, "cut-results", "autointerp"), "results.jsonl", SearchOption.AllDirectories))
            using (var file = new FileStream(results, FileMode.Open)) file.SetLength(file.Length * 2 / 3);

        using var server = Serve(runs);
        await GetOkAsync(server, "/runs");

        await AssertPagesAnswerAsync(server, "cut-results");
        FaultRequests.AssertNoStackTrace(server.Output);
    }

    [Fact]
    public async Task A_damaged_sae_folder_is_named_on_the_runs_page_and_the_pages_answer_without_500()
    {
        var runs = CopyRun("bad-sae");
        var sae = Path.Combine(runs, "bad-sae", "sae", FixtureRun.SaeHook);
        File.WriteAllText(Path.Combine(sae, "cfg.json"), "{\"d_in\": 64, \"d_sae\": ");
        foreach (var weights in Directory.EnumerateFiles(sae, "*.safetensors"))
            using (var file = new FileStream(weights, FileMode.Open)) file.SetLength(10);

        using var server = Serve(runs);
        var page = await GetOkAsync(server, "/runs");

        Assert.Contains(Path.Combine(sae, "cfg.json"), page, StringComparison.Ordinal);
        await AssertPagesAnswerAsync(server, "bad-sae");
        FaultRequests.AssertNoStackTrace(server.Output);
    }

    /// <summary>A copy of the fixture run named <paramref name="name"/> in a runs folder of its own.</summary>
    private string CopyRun(string name)
    {
        var runs = TestPaths.NewTempFolder("damaged");
        var source = fixture.Run.RunFolder;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(runs, name, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return runs;
    }

    private static ServerProcess Serve(string runs) =>
        ServerProcess.Start(TestPaths.CliDll, ["serve", "--runs", runs, "--urls", "http://127.0.0.1:0", "--model", TestPaths.DefaultModel]);

    private static async Task<string> GetOkAsync(ServerProcess server, string target)
    {
        var (status, _, body) = await RawHttp.GetAsync(server.Address, target);
        Assert.True(status == 200, $"GET {target}: HTTP {status}\n{server.Output}");
        return body;
    }

    /// <summary>The unit lists, some unit pages, the overview, live and steering pages of <paramref name="run"/>: none answers 5xx.</summary>
    private static async Task AssertPagesAnswerAsync(ServerProcess server, string run)
    {
        string[] sources = [FixtureRun.MlpHook, FixtureRun.SaeSource];
        var targets = sources.SelectMany(s => new[]
            {
                UnitUrls.List(run, s), UnitUrls.List(run, s) + "?sort=Score&desc=true", UnitUrls.Unit(run, s, 0), UnitUrls.Unit(run, s, 1),
                UnitUrls.Unit(run, s, 5), UnitUrls.Live(run, s, 0), UnitUrls.Steer(run, s, 0),
            })
            .Append(UnitUrls.Overview(run)).Append(UnitUrls.Overview(run) + "?metric=Score").Append("/").Append("/live").Append("/steer")
            .Select(t => t.StartsWith('/') ? t : "/" + t).ToArray();

        var failures = await FaultRequests.GetAllAsync(server.Address, targets, status => status >= 500);

        Assert.True(failures.Count == 0, string.Join('\n', failures) + "\n" + server.Output);
    }
}
