using System.Diagnostics;
using Interp.Records;
using Interp.Core;
using Interp.Core.Records;
using Xunit.Abstractions;

namespace Interp.Records.Tests;

/// <summary>The SQLite records store: round trip, listing, atomic completion.</summary>
public sealed class RecordsStoreTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static RecordsManifest Manifest(int units, string key = "a") => TestManifests.Neurons(SyntheticStore.Hook, SyntheticStore.D, units) with
    {
        Model = TestManifests.Model(key), Ctx = SyntheticStore.Ctx, Contexts = SyntheticStore.Contexts, Tokens = SyntheticStore.Contexts * SyntheticStore.Ctx,
    };

    private UnitRecord[] WriteStore(string folder, out SyntheticStore store)
    {
        store = new SyntheticStore(_temp.Path);
        var records = Build.Records(store.Folder, Build.Options());
        using var writer = UnitRecordStoreWriter.Open(folder, Manifest(records.Length), overwrite: false);
        foreach (var chunk in records.Chunk(40)) writer.Write(chunk);
        writer.Complete(Manifest(records.Length));
        return records;
    }

    [Fact]
    public void Records_read_back_equal_to_what_was_written()
    {
        var records = WriteStore(_temp["records"], out var store);
        using var reader = UnitRecordStore.Open(_temp["records"]);
        Assert.Equal(records.Select(r => r.Id), reader.Units);
        foreach (var record in records)
        {
            var read = reader.Read(record.Id);
            RecordsAssert.Same(record, read);
            RecordsAssert.WindowsMatchStore(store, read);
        }
        Assert.Equal(SyntheticStore.Hook, reader.Manifest.Source);
        Assert.True(File.Exists(_temp["records/manifest.json"]));
        Assert.False(File.Exists(_temp["records/records.db.partial"]));
    }

    [Fact]
    public void Reading_one_unit_takes_well_under_ten_milliseconds()
    {
        WriteStore(_temp["records"], out _);
        using var reader = UnitRecordStore.Open(_temp["records"]);
        reader.Read(reader.Units[0]);
        var clock = Stopwatch.StartNew();
        foreach (var id in reader.Units) reader.Read(id);
        var perUnit = clock.Elapsed.TotalMilliseconds / reader.Units.Count;
        output.WriteLine($"Read: {perUnit:F3} ms per unit over {reader.Units.Count} units");
        Assert.True(perUnit < 10, $"{perUnit:F2} ms per unit");
    }

    [Fact]
    public void Summaries_list_every_unit_and_sort_and_filter()
    {
        var records = WriteStore(_temp["records"], out _);
        using var reader = UnitRecordStore.Open(_temp["records"]);
        var all = reader.Summaries();
        Assert.Equal(records.Length, all.Count);
        for (var i = 0; i < records.Length; i++)
        {
            Assert.Equal(records[i].Id, all[i].Id);
            Assert.Equal(records[i].MaxActivation, all[i].MaxActivation);
            Assert.Equal(records[i].Density, all[i].Density, 1e-12);
            Assert.Equal(records[i].ActiveTokens, all[i].ActiveTokens);
        }
        Assert.Equal("<" + records[0].Top[0].TokenIds[records[0].Top[0].ArgMax] + ">", all[0].TopToken);
        Assert.Null(all[1].TopToken);

        var densest = reader.Query(new UnitQuery { OrderBy = UnitOrder.Density, Descending = true, Limit = 5 });
        Assert.Equal(records.OrderByDescending(r => r.Density).ThenByDescending(r => r.Id.Index).Take(5).Select(r => r.Id), densest.Select(s => s.Id));
        var page = reader.Query(new UnitQuery { OrderBy = UnitOrder.Max, Offset = 10, Limit = 10, MinDensity = 0.1 });
        Assert.Equal(records.Where(r => r.Density >= 0.1).OrderBy(r => r.MaxActivation).ThenBy(r => r.Id.Index).Skip(10).Take(10).Select(r => r.Id),
            page.Select(s => s.Id));
    }

    [Fact]
    public void An_unfinished_store_is_never_opened_and_a_finished_one_is_not_overwritten_by_accident()
    {
        var folder = _temp["records"];
        var store = new SyntheticStore(_temp.Path);
        var records = Build.Records(store.Folder, Build.Options(), units: [0, 1, 2]);
        using (var writer = UnitRecordStoreWriter.Open(folder, Manifest(3), overwrite: false)) writer.Write(records[..2]);
        var e = Assert.Throws<InterpException>(() => UnitRecordStore.Open(folder));
        Assert.Contains("unfinished", e.Message);

        // The same job resumes: the two written units are done.
        using (var writer = UnitRecordStoreWriter.Open(folder, Manifest(3), overwrite: false))
        {
            Assert.Equal([0, 1], writer.DoneUnits.Order());
            writer.Write(records[2..]);
            writer.Complete(Manifest(3));
        }
        using (var reader = UnitRecordStore.Open(folder)) RecordsAssert.Same(records, reader.Units.Select(reader.Read).ToArray());

        e = Assert.ThrowsAny<InterpException>(() => UnitRecordStoreWriter.Open(folder, Manifest(3), overwrite: false));
        Assert.Contains("already complete", e.Message);
        e = Assert.ThrowsAny<InterpException>(() => UnitRecordStoreWriter.Open(folder, Manifest(3, key: "b"), overwrite: false));
        Assert.Contains("another job", e.Message);

        // Another job's partial store is discarded, not resumed; the finished store stays until the new one is complete.
        using (var writer = UnitRecordStoreWriter.Open(folder, Manifest(3, key: "b"), overwrite: true))
        {
            Assert.Empty(writer.DoneUnits);
            writer.Write(records[..1]);
        }
        using (var reader = UnitRecordStore.Open(folder)) Assert.Equal(3, reader.Units.Count);
        using (var writer = UnitRecordStoreWriter.Open(folder, Manifest(3, key: "c"), overwrite: true)) Assert.Empty(writer.DoneUnits);
    }

    [Fact]
    public void A_missing_store_or_unit_is_one_clear_error()
    {
        var e = Assert.ThrowsAny<InterpException>(() => UnitRecordStore.Open(_temp["nothing"]));
        Assert.Contains("no records store", e.Message);
        WriteStore(_temp["records"], out _);
        using var reader = UnitRecordStore.Open(_temp["records"]);
        e = Assert.Throws<InterpException>(() => reader.Read(new UnitId(SyntheticStore.Hook, 4000)));
        Assert.Contains("not in this store", e.Message);
        e = Assert.Throws<InterpException>(() => reader.Read(new UnitId("sae:other", 1)));
        Assert.Contains("not in this store", e.Message);
    }
}
