using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Batch;

/// <summary>Unit records held in memory (tests, benchmarks, synthetic units).</summary>
public sealed class InMemoryUnitRecordSource : IUnitRecordSource
{
    private readonly Dictionary<UnitId, UnitRecord> _records;

    /// <summary>A source over <paramref name="records"/>, in the given order.</summary>
    public InMemoryUnitRecordSource(IEnumerable<UnitRecord> records)
    {
        var list = records.ToList();
        _records = list.ToDictionary(r => r.Id);
        Units = list.Select(r => r.Id).ToList();
    }

    /// <inheritdoc />
    public IReadOnlyList<UnitId> Units { get; }

    /// <inheritdoc />
    public UnitRecord Read(UnitId id) =>
        _records.TryGetValue(id, out var record) ? record : throw new InterpException($"unit {id}: not in the records");
}
