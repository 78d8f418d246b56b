using Interp.Core.Records;

namespace Interp.AutoInterp.Score;

/// <summary>
/// OpenAI's splits of a unit's records: the top records dealt round-robin into train, calibration, valid and test
/// (record <c>i</c> goes to split <c>i mod 4</c>), the random records into calibration, valid and test
/// (<c>i mod 3</c>), each split holding <c>perSplit</c> records (default: all records, the first splits one longer where they do not
/// divide evenly, so that a unit with few top records still gets train and valid records). The explainer
/// sees <see cref="Train"/>; scoring uses <see cref="Scored"/>: valid top and valid random records 1:1. Random records
/// that share a window with a train record (<see cref="SeenWindows"/>) are left out before dealing, so that nothing the
/// explainer saw is scored.
/// </summary>
public sealed record RecordSplits(
    IReadOnlyList<ActivationRecord> Train,
    IReadOnlyList<ActivationRecord> Calibration,
    IReadOnlyList<ActivationRecord> Valid,
    IReadOnlyList<ActivationRecord> Test,
    IReadOnlyList<ActivationRecord> RandomCalibration,
    IReadOnlyList<ActivationRecord> RandomValid,
    IReadOnlyList<ActivationRecord> RandomTest)
{
    /// <summary>The splits of <paramref name="unit"/>'s <see cref="UnitRecord.Top"/> and <see cref="UnitRecord.Random"/> records.</summary>
    public static RecordSplits Of(UnitRecord unit, int? perSplit = null)
    {
        var top = Deal(unit.Top, 4, perSplit);
        var seen = new SeenWindows(top[0]);
        var random = Deal(unit.Random.Where(r => !seen.Shares(r)).ToList(), 3, perSplit);
        return new RecordSplits(top[0], top[1], top[2], top[3], random[0], random[1], random[2]);
    }

    /// <summary>Deals <paramref name="records"/> into <paramref name="splits"/> interleaved splits of <paramref name="perSplit"/> each (fewer where records run out).</summary>
    public static IReadOnlyList<ActivationRecord>[] Deal(IReadOnlyList<ActivationRecord> records, int splits, int? perSplit)
    {
        var n = perSplit ?? (records.Count + splits - 1) / splits;
        var dealt = new IReadOnlyList<ActivationRecord>[splits];
        for (var s = 0; s < splits; s++)
        {
            var list = new List<ActivationRecord>();
            for (var i = s; i < n * splits && i < records.Count; i += splits) list.Add(records[i]);
            dealt[s] = list;
        }
        return dealt;
    }

    /// <summary>The records scored: valid top and valid random, 1:1 (top alone when the unit has no random records).</summary>
    public IReadOnlyList<ScoredRecordRef> Scored => OneToOne(Valid, RandomValid);

    /// <summary>The calibration records: calibration top and random, 1:1.</summary>
    public IReadOnlyList<ScoredRecordRef> CalibrationSet => OneToOne(Calibration, RandomCalibration);

    private static List<ScoredRecordRef> OneToOne(IReadOnlyList<ActivationRecord> top, IReadOnlyList<ActivationRecord> random)
    {
        var k = random.Count == 0 ? top.Count : Math.Min(top.Count, random.Count);
        var list = new List<ScoredRecordRef>(2 * k);
        list.AddRange(top.Take(k).Select(r => new ScoredRecordRef(ScoredRecordKind.Top, r)));
        if (random.Count > 0) list.AddRange(random.Take(k).Select(r => new ScoredRecordRef(ScoredRecordKind.Random, r)));
        return list;
    }
}

/// <summary>Where a scored record came from.</summary>
public enum ScoredRecordKind
{
    /// <summary>A top-activating record.</summary>
    Top,
    /// <summary>A random record.</summary>
    Random,
}

/// <summary>A record chosen for scoring and where it came from.</summary>
public sealed record ScoredRecordRef(ScoredRecordKind Kind, ActivationRecord Record);
