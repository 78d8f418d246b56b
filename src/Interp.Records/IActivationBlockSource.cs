namespace Interp.Records;

/// <summary>
/// A run of whole contexts with one value per (context, position, unit): <see cref="Values"/> is row-major
/// <c>[Contexts.Length × Ctx × Units]</c>, and unit <c>j</c> is the <c>j</c>-th of the units the block was asked for.
/// </summary>
/// <param name="Contexts">Global context indices, ascending.</param>
/// <param name="Ctx">Positions per context.</param>
/// <param name="Units">Units per position.</param>
/// <param name="Values">The values, <c>[contexts × ctx × units]</c>.</param>
public sealed record ContextBlock(long[] Contexts, int Ctx, int Units, float[] Values);

/// <summary>
/// Where a unit's activations come from when records are built: an activation store, a model run over a corpus, or
/// either of them encoded by an SAE. Every pass yields the same contexts in ascending order with the same values.
/// </summary>
public interface IActivationBlockSource
{
    /// <summary>The hook the values belong to (TransformerLens name).</summary>
    string Hook { get; }

    /// <summary>Units per position: the activation width, or d_sae for SAE latents.</summary>
    int Width { get; }

    /// <summary>Positions per context.</summary>
    int Ctx { get; }

    /// <summary>Contexts in one pass.</summary>
    long Contexts { get; }

    /// <summary>
    /// One pass over every context, in blocks of at most <paramref name="maxContexts"/> whole contexts, holding the values
    /// of <paramref name="units"/> (ascending indices below <see cref="Width"/>) only.
    /// </summary>
    IEnumerable<ContextBlock> Blocks(int[] units, int maxContexts, CancellationToken cancellationToken = default);

    /// <summary>The token ids of each context in <paramref name="contexts"/> (<see cref="Ctx"/> ids each).</summary>
    IReadOnlyDictionary<long, int[]> ContextTokens(IReadOnlyCollection<long> contexts);
}
