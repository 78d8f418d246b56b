using Interp.Core;

namespace Interp.Sae;

/// <summary>
/// Where an SAE's training activations come from: row-major float batches <c>[batch × D]</c>. The activation store
/// implements this; <see cref="InMemoryActivationSource"/> serves arrays (tests, small experiments).
/// </summary>
public interface IActivationSource
{
    /// <summary>The activation width (d_in).</summary>
    int D { get; }

    /// <summary>
    /// Batches of <paramref name="batchSize"/> rows (each a new <c>float[batchSize × D]</c>), in an order fixed by
    /// <paramref name="seed"/>, starting after the first <paramref name="skipBatches"/> of that order (so a resumed run
    /// sees exactly the batches an uninterrupted one would). The sequence may end; the trainer then stops early.
    /// </summary>
    IEnumerable<float[]> Batches(int batchSize, int seed, long skipBatches = 0);
}

/// <summary>
/// Rows held in memory, served endlessly: each pass (epoch) visits every full batch once in an order shuffled with
/// (seed, epoch); rows past the last full batch of a pass are left out of it.
/// </summary>
public sealed class InMemoryActivationSource : IActivationSource
{
    private readonly float[] _rows;

    /// <summary>Serves <paramref name="rows"/> (row-major, <c>rows.Length / d</c> rows of width <paramref name="d"/>).</summary>
    public InMemoryActivationSource(float[] rows, int d)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        if (rows.Length % d != 0) throw new ArgumentException($"{rows.Length} floats are not a whole number of rows of width {d}", nameof(rows));
        _rows = rows;
        D = d;
    }

    /// <inheritdoc />
    public int D { get; }

    /// <summary>The number of rows held.</summary>
    public int Count => _rows.Length / D;

    /// <inheritdoc />
    public IEnumerable<float[]> Batches(int batchSize, int seed, long skipBatches = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(skipBatches);
        var perEpoch = Count / batchSize;
        if (perEpoch == 0) throw new InterpException($"only {Count} activation rows, fewer than one batch of {batchSize}");
        return Enumerate(batchSize, seed, perEpoch, skipBatches);
    }

    private IEnumerable<float[]> Enumerate(int batchSize, int seed, int perEpoch, long skipBatches)
    {
        var epoch = skipBatches / perEpoch;
        var first = (int)(skipBatches % perEpoch);
        while (true)
        {
            var order = Enumerable.Range(0, Count).ToArray();
            new Random(unchecked(seed * 1_000_003 + (int)epoch)).Shuffle(order); // not HashCode: it is salted per process
            for (var b = first; b < perEpoch; b++)
            {
                var batch = new float[batchSize * D];
                for (var r = 0; r < batchSize; r++)
                    Array.Copy(_rows, (long)order[b * batchSize + r] * D, batch, (long)r * D, D);
                yield return batch;
            }
            first = 0;
            epoch++;
        }
    }
}
