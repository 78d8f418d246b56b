using Interp.Core;

namespace Interp.AutoInterp.Import;

/// <summary>No explanation read names a unit the records have; <see cref="Import"/> holds what was read instead (malformed places, unknown units) for a front end to list.</summary>
public sealed class NothingToScoreException(ExplanationImport import) : InterpException(import.NothingToScore())
{
    /// <summary>What was read.</summary>
    public ExplanationImport Import { get; } = import;
}
