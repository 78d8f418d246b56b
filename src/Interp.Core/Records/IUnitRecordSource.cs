namespace Interp.Core.Records;

/// <summary>
/// Where the explain → simulate → score loop reads unit records from: a records store on disk, or records built in
/// memory. The batch runner lists <see cref="Units"/> once and calls <see cref="Read"/> from one thread at a time, so an
/// implementation need not be thread-safe.
/// </summary>
public interface IUnitRecordSource
{
    /// <summary>Every unit the source holds, in a stable order.</summary>
    IReadOnlyList<UnitId> Units { get; }

    /// <summary>The record of <paramref name="id"/>; throws <see cref="Interp.Core.InterpException"/> naming the unit when it is absent or unreadable.</summary>
    UnitRecord Read(UnitId id);
}
