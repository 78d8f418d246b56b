using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary>Parses <c>--ids 1,2,3</c> (or another flag's comma-separated ids, named by <paramref name="flag"/>).</summary>
public static class TokenIds
{
    public static int[] Parse(string text, string flag = "--ids") =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => int.TryParse(part, out var id) ? id : throw new InterpException($"{flag}: '{part}' is not an integer token id"))
            .ToArray() is { Length: > 0 } ids ? ids : throw new InterpException($"{flag}: no token ids given");
}
