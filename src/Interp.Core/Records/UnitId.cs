using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Interp.Core.Records;

/// <summary>
/// A unit the workbench explains: neuron <see cref="Index"/> of a hook (<c>blocks.1.mlp.hook_post/417</c>) or latent
/// <see cref="Index"/> of an SAE (<c>sae:blocks.2.hook_resid_pre/88</c>). <see cref="Source"/> names where the unit lives;
/// the string form <c>source/index</c> is what files and URLs use.
/// </summary>
public readonly record struct UnitId(string Source, int Index)
{
    /// <inheritdoc />
    public override string ToString() => $"{Source}/{Index}";

    /// <summary>Parses <c>source/index</c>; the source may itself contain slashes, the index follows the last one.</summary>
    /// <exception cref="InterpException">Not <c>source/index</c> with a non-empty source and an index ≥ 0.</exception>
    public static UnitId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new InterpException($"unit id '{text}': expected source/index, e.g. blocks.1.mlp.hook_post/417");

    /// <summary>
    /// Parses <c>source/index</c> as <see cref="Parse"/> does; false (and <paramref name="id"/> default) for null, a
    /// missing or empty source, or an index that is not an integer ≥ 0.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out UnitId id)
    {
        id = default;
        var slash = text?.LastIndexOf('/') ?? -1;
        if (slash <= 0 || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) || index < 0)
            return false;
        id = new UnitId(text![..slash], index);
        return true;
    }
}
