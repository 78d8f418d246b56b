namespace Interp.Records;

/// <summary>
/// Another source's values with position 0 of every context set to 0, for contexts that start with a prepended BOS.
/// A BOS activation is an outlier (a large, nearly constant vector at every context's start), so left in it would take
/// the top of many units' records with windows that say nothing about the unit; Neuronpedia hides BOS activations for
/// the same reason. Zero counts as not firing, so BOS positions are never a top, band or activating example and add no
/// density; the BOS token is still shown in the windows around later positions.
/// </summary>
public sealed class BosMaskedBlockSource(IActivationBlockSource inner) : IActivationBlockSource
{
    /// <inheritdoc />
    public string Hook => inner.Hook;

    /// <inheritdoc />
    public int Width => inner.Width;

    /// <inheritdoc />
    public int Ctx => inner.Ctx;

    /// <inheritdoc />
    public long Contexts => inner.Contexts;

    /// <inheritdoc />
    public IEnumerable<ContextBlock> Blocks(int[] units, int maxContexts, CancellationToken cancellationToken = default)
    {
        foreach (var block in inner.Blocks(units, maxContexts, cancellationToken))
        {
            var valuesPerContext = block.Ctx * block.Units;
            for (var c = 0; c < block.Contexts.Length; c++)
                block.Values.AsSpan(c * valuesPerContext, block.Units).Clear();
            yield return block;
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<long, int[]> ContextTokens(IReadOnlyCollection<long> contexts) => inner.ContextTokens(contexts);
}
