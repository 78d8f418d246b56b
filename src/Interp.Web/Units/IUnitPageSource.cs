using Interp.Core.Records;

namespace Interp.Web.Units;

/// <summary>
/// Where unit lists and unit pages come from: the finished records stores of each run (<c>records/…/records.db</c>,
/// read through <see cref="Interp.Records.UnitRecordStore"/>) joined with the run's autointerp
/// <c>results.jsonl</c> files. Thread-safe.
/// </summary>
public interface IUnitPageSource
{
    /// <summary>The unit sources of <paramref name="run"/> (empty for an unknown run).</summary>
    IReadOnlyList<UnitSourceRef> Sources(string run);

    /// <summary>The source called <paramref name="source"/> in <paramref name="run"/>, or null.</summary>
    UnitSourceRef? FindSource(string run, string source);

    /// <summary>Every unit row of <paramref name="source"/>, by index.</summary>
    IReadOnlyList<UnitRow> Rows(UnitSourceRef source);

    /// <summary>A page of <paramref name="source"/>'s unit list.</summary>
    UnitListResult List(UnitSourceRef source, UnitListQuery query);

    /// <summary>The page data of <paramref name="unit"/> in <paramref name="run"/>, or null when the run, source or unit is unknown.</summary>
    /// <exception cref="Interp.Core.InterpException">The records store or the unit's record is damaged (so are <see cref="Rows"/> and <see cref="List"/>).</exception>
    UnitPageData? Find(string run, UnitId unit);

    /// <summary>
    /// The scored records (tokens, real and simulated activations) stored with <paramref name="unit"/>'s explanation
    /// <paramref name="explanation"/> from <paramref name="source"/> by <c>interp score</c>, or null when none are stored.
    /// </summary>
    IReadOnlyList<Interp.AutoInterp.Batch.ScoredRecordResult>? SimulatedRecords(string run, UnitId unit, string source, string explanation);

    /// <summary>What reading <paramref name="run"/>'s stores has found damaged so far, one line each naming the file.</summary>
    IReadOnlyList<string> Problems(string run);
}
