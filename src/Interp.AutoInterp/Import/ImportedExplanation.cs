using Interp.AutoInterp.Explain;
using Interp.Core.Records;

namespace Interp.AutoInterp.Import;

/// <summary>
/// An explanation read from a file, mapped to a unit of the records: its <see cref="Source"/> (the file's, or the line's
/// own), its text, the Interp pattern it carries (Interp's own exports) and where it was read (<c>FILE:LINE</c>).
/// </summary>
public sealed record ImportedExplanation(UnitId Unit, string Source, string Text, TokenPattern? Pattern, string Location);

/// <summary>What a reader found at one place of a file: an explanation of a foreign unit, or why the place is malformed.</summary>
internal sealed record ImportEntry(string Location, ForeignUnit? Unit, string? Text, string? Source, TokenPattern? Pattern, string? Error)
{
    public static ImportEntry Malformed(string location, string error) => new(location, null, null, null, null, error);

    public static ImportEntry Of(string location, ForeignUnit unit, string text, string? source = null, TokenPattern? pattern = null) =>
        new(location, unit, text, source, pattern, null);
}
