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
    public static UnitId Parse(string text)
    {
        var slash = text.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(text.AsSpan(slash + 1), out var index) || index < 0)
            throw new InterpException($"unit id '{text}': expected source/index, e.g. blocks.1.mlp.hook_post/417");
        return new UnitId(text[..slash], index);
    }
}
