using System.Text.Json.Nodes;
using Interp.Core;
using Microsoft.Data.Sqlite;

namespace Interp.Records.Tests;

/// <summary>
/// A records job split over machines (<see cref="RecordsJobOptions.Shard"/>) and joined again (<see cref="RecordsMerger"/>):
/// the merged store is the one an unsplit job writes, and parts that do not make one job are refused naming the folder.
/// </summary>
public sealed class RecordsShardTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly SyntheticStore _store;

    public RecordsShardTests() => _store = new SyntheticStore(_temp["store"]);

    public void Dispose() => _temp.Dispose();

    private RecordsJobOptions Options(string name, string shard = "1/1", int seed = 0) => new()
    {
        Activations = _store.Folder, Units = "0-20", Shard = shard, OutDirectory = _temp[name], Sampling = Build.Options(seed) with { UnitsPerChunk = 4 },
    };

    private RecordsJobResult Records(string name, string shard = "1/1", int seed = 0) => RecordsJob.Run(Options(name, shard, seed));

    // Every row of a table, in key order, as text (blobs as base64), so two stores compare by content.
    private static List<string> Rows(string database, string table, string key)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table} ORDER BY {key};";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i =>
                reader.GetValue(i) is byte[] bytes ? Convert.ToBase64String(bytes) : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    private static string Job(string database) => Rows(database, "meta WHERE key = 'job'", "key").Single();

    [Fact]
    public void A_job_split_in_two_and_merged_holds_the_unsplit_rows_and_job_key()
    {
        var whole = Records("whole");
        var first = Records("part1", "1/2");
        var second = Records("part2", "2/2");
        Assert.Equal(new WorkSplit(1, 2), first.Manifest.Shard);
        Assert.Equal((10, 11), (first.Manifest.UnitCount, second.Manifest.UnitCount));               // 21 units: contiguous, balanced
        using (var part = UnitRecordStore.Open(second.DatabasePath)) Assert.Equal(Enumerable.Range(10, 11), part.Units.Select(u => u.Index));
        Assert.NotEqual(Job(whole.DatabasePath), Job(first.DatabasePath));                         // a part is its own job: resumable alone

        var merged = RecordsMerger.Merge([_temp["part2"], _temp["part1"]], _temp["merged"], overwrite: false);

        Assert.Null(merged.Manifest.Shard);
        Assert.Equal(whole.Manifest.JobKey(), merged.Manifest.JobKey());
        Assert.StartsWith($"{merged.DatabasePath}: records are already complete for this job",
            Assert.ThrowsAny<InterpException>(() => RecordsMerger.Merge([_temp["part1"], _temp["part2"]], _temp["merged"], overwrite: false)).Message);
        Assert.Equal(Job(whole.DatabasePath), Job(merged.DatabasePath));
        foreach (var (table, key) in new[] { ("units", "idx"), ("unit_records", "idx"), ("contexts", "context"), ("vocab", "id") })
            Assert.Equal(Rows(whole.DatabasePath, table, key), Rows(merged.DatabasePath, table, key));
        Assert.Equal(21, Rows(merged.DatabasePath, "units", "idx").Count);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(_temp["merged"], RecordsManifest.FileName)))!;
        Assert.Equal(21, manifest["unit_count"]!.GetValue<int>());
        using var reader = UnitRecordStore.Open(_temp["merged"]);
        using var unsplit = UnitRecordStore.Open(_temp["whole"]);
        RecordsAssert.Same(unsplit.Read(15), reader.Read(15));
    }

    [Fact]
    public void Merge_refuses_parts_that_are_missing_twice_unfinished_or_of_another_job_naming_the_folder()
    {
        Records("part1", "1/2");
        Records("part2", "2/2");
        Records("seed1", "2/2", seed: 1);
        Records("third", "2/3");
        Records("whole");
        string Refusal(params string[] parts) =>
            Assert.ThrowsAny<InterpException>(() => RecordsMerger.Merge(parts.Select(p => _temp[p]).ToArray(), _temp["merged"], overwrite: false)).Message;

        Assert.Equal($"{_temp["part1"]}: part(s) 2/2 of its job missing from the inputs", Refusal("part1"));
        Assert.Equal($"{_temp["part1"]}: part 1/2 given twice (also {_temp["part1"]})", Refusal("part1", "part1", "part2"));
        Assert.Equal($"{_temp["seed1"]}: from another records job than {_temp["part1"]}, which has options.seed 0 (here 1)", Refusal("part1", "seed1"));
        Assert.Equal($"{_temp["third"]}: part 2/3 does not belong with {_temp["part1"]} (part 1/2)", Refusal("part1", "third"));
        Assert.StartsWith($"{_temp["whole"]}: not a part of a split records job", Refusal("whole", "part2"));

        // Parts whose manifests were edited to swap K: part 1 would then hold units above part 2's.
        SetShard("part1", 2);
        SetShard("part2", 1);
        Assert.Equal($"{_temp["part1"]}: its units overlap those of {_temp["part2"]} (unit 0 is at or below 20)", Refusal("part1", "part2"));

        var database = Path.Combine(_temp["part2"], UnitRecordStore.DatabaseFileName);
        File.Move(database, database + ".partial");                                               // as an interrupted part leaves it
        Assert.StartsWith($"{database}: records are unfinished", Refusal("part1", "part2"));
        Assert.False(Directory.Exists(_temp["merged"]));                                           // nothing written on a refusal
    }

    [Fact]
    public void An_interrupted_part_is_refused_by_the_merge_and_resumes_with_its_own_command()
    {
        Records("part1", "1/2");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => RecordsJob.Run(Options("part2", "2/2"), progress: p =>
        {
            if (p.Chunk == 2) cancel.Cancel();
        }, cancellationToken: cancel.Token));
        var database = Path.Combine(_temp["part2"], UnitRecordStore.DatabaseFileName);
        Assert.StartsWith($"{database}: records are unfinished",
            Assert.ThrowsAny<InterpException>(() => RecordsMerger.Merge([_temp["part1"], _temp["part2"]], _temp["merged"], overwrite: false)).Message);

        var resumed = Records("part2", "2/2");
        Assert.Equal((4, 7), (resumed.UnitsResumed, resumed.UnitsBuilt));                         // 11 units, 4 a chunk: the first chunk was kept
        Assert.Equal(21, RecordsMerger.Merge([_temp["part1"], _temp["part2"]], _temp["merged"], overwrite: false).Manifest.UnitCount);
    }

    private void SetShard(string part, int k)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_temp[part], UnitRecordStore.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = 'manifest';";
        var manifest = JsonNode.Parse((string)command.ExecuteScalar()!)!;
        manifest["shard"]!["k"] = k;
        command.CommandText = "UPDATE meta SET value = $m WHERE key = 'manifest';";
        command.Parameters.AddWithValue("$m", manifest.ToJsonString());
        command.ExecuteNonQuery();
    }

    [Fact]
    public void A_bad_part_is_refused_by_meaning_before_anything_is_read()
    {
        foreach (var (shard, expected) in new[]
                 {
                     ("0/4", "part 0/4: expected K/N with 1 ≤ K ≤ N"), ("5/4", "part 5/4: expected K/N with 1 ≤ K ≤ N"),
                     ("x", "part x: expected K/N, e.g. 2/4"), ("1/0", "part 1/0: expected K/N with 1 ≤ K ≤ N"),
                 })
        {
            var options = new RecordsJobOptions { Activations = _temp["no-store"], Shard = shard, OutDirectory = _temp["bad"] };
            Assert.Equal(expected, Assert.Throws<InvalidOptionException>(() => RecordsJob.Run(options)).Message);
        }
        Assert.False(Directory.Exists(_temp["bad"]));
    }
}
