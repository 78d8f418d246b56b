using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary>Parses <c>--ids 1,2,3</c>.</summary>
public static class TokenIds
{
    public static int[] Parse(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => int.TryParse(part, out var id) ? id : throw new InterpException($"--ids: '{part}' is not an integer token id"))
            .ToArray() is { Length: > 0 } ids ? ids : throw new InterpException("--ids: no token ids given");
}
