using Interp.Core.Records;

namespace Interp.AutoInterp.Import;

/// <summary>
/// A unit as an imported file names it (<see cref="Name"/>, for messages) and the Interp units it may be, most likely
/// first (<see cref="UnitMapping"/>); the first that the records have is the one scored.
/// </summary>
public sealed record ForeignUnit(string Name, IReadOnlyList<UnitId> Candidates)
{
    /// <summary>The first candidate in <paramref name="known"/>, or null when the records have none of them.</summary>
    public UnitId? Resolve(IReadOnlySet<UnitId> known)
    {
        foreach (var candidate in Candidates)
            if (known.Contains(candidate)) return candidate;
        return null;
    }
}
