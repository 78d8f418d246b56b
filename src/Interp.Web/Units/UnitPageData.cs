using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Import;
using Interp.Core.Records;

namespace Interp.Web.Units;

/// <summary>Everything a unit page shows: the record, the autointerp result (when explained) and where the unit sits in its source.</summary>
/// <param name="Source">The unit's source in its run.</param>
/// <param name="Record">The unit record.</param>
/// <param name="Result">The autointerp result, or null.</param>
/// <param name="ResultProblem">Why the result could not be read, when it exists but is damaged.</param>
/// <param name="Previous">The previous unit index with a record, or null.</param>
/// <param name="Next">The next unit index with a record, or null.</param>
/// <param name="Imported">The explanations <c>interp score</c> scored for the unit, best first (none when null).</param>
public sealed record UnitPageData(UnitSourceRef Source, UnitRecord Record, UnitResult? Result, string? ResultProblem, int? Previous, int? Next,
    IReadOnlyList<Ranking.Entry>? Imported = null);
