using Interp.Core.Records;
using Interp.Records;

namespace Interp.Records.Tests;

/// <summary>Records of a store whose contexts start with an outlier BOS: the BOS position never counts as a unit's activation.</summary>
public sealed class BosRecordsTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void An_outlier_bos_is_never_a_top_band_or_activating_example_and_adds_no_density()
    {
        var store = new SyntheticStore(_temp.Path, bosOutliers: true);
        var result = RecordsJob.Run(new RecordsJobOptions
        {
            Activations = store.Folder, Units = "0-9", OutDirectory = _temp["records"], Sampling = Build.Options(),
        });
        using var reader = UnitRecordStore.Open(result.DatabasePath);
        var planted = reader.Read(new UnitId(SyntheticStore.Hook, 0));
        Assert.Equal([5f, 4f, 3f], planted.Top.Take(3).Select(w => w.Max));                     // the planted peaks, not the BOS's 100
        foreach (var id in reader.Units)
        {
            var record = reader.Read(id);
            Assert.True(record.MaxActivation < SyntheticStore.BosValue, $"{id}: max {record.MaxActivation} is the BOS's");
            var windows = record.Top.Concat(record.Bands.SelectMany(b => b.Records)).Concat(record.Random).Concat(record.RandomActivating).Concat(record.NonActivating);
            foreach (var w in windows.Where(w => w.Start == 0))
            {
                Assert.Equal(SyntheticStore.Bos, w.TokenIds[0]);                                 // the BOS is shown ...
                Assert.Equal(0f, w.Activations[0]);                                              // ... as not firing
            }
            var active = Enumerable.Range(0, SyntheticStore.Contexts).SelectMany(c => Enumerable.Range(1, SyntheticStore.Ctx - 1).Select(t => store.Value(c, t, id.Index)))
                .Count(v => v > 0);
            Assert.Equal(active, record.ActiveTokens);
        }
    }
}
