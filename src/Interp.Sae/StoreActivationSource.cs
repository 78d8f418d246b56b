using Interp.Core;
using Interp.Core.Store;

namespace Interp.Sae;

/// <summary>
/// An <see cref="IActivationSource"/> over one hook's activation store (<c>interp harvest</c> output), served endlessly
/// in shuffled passes: pass p visits every full batch of the store once, in an order drawn from (seed, p), and leaves
/// out the rows past the last full batch of that pass (different rows each pass). When the store fits in memory it is
/// loaded once (<see cref="InMemory"/>) and each pass is a fresh permutation of all rows; otherwise each pass streams
/// the shards through the reader's seeded shuffle buffer. Either way the stream is a function of (seed, batch size)
/// alone, so <c>Batches(b, seed, skipBatches: n)</c> is exactly <c>Batches(b, seed).Skip(n)</c> and a resumed training
/// run sees the batches an uninterrupted one would. When the store's contexts start with a prepended BOS, the BOS rows
/// are never served: their activation is an outlier (often many times the norm of the others) that would dominate the
/// scaling estimate and the loss, and SAELens's evals leave those positions out too (<c>sae_lens/evals.py</c>,
/// <c>ignore_tokens</c>).
/// </summary>
public sealed class StoreActivationSource : IActivationSource, IDisposable
{
    private readonly ActivationStoreReader _reader;
    private readonly bool _ownsReader;
    private readonly int _shuffleBufferRows;
    private InMemoryActivationSource? _memory;

    /// <summary>
    /// A source over <paramref name="reader"/>. <paramref name="inMemory"/>: null loads the store when it fits
    /// (<see cref="ActivationStoreReader.FitsInMemory"/>), true requires it, false always streams.
    /// Stores over <see cref="AutoLoadLimitBytes"/> as float32 stream unless asked: the reader keeps ahead of training
    /// (it reads 20× faster than a step consumes), so loading would only make memory grow with the store.
    /// <paramref name="shuffleBufferRows"/> sizes the streaming shuffle buffer (0: the reader's default, about 128 MiB).
    /// </summary>
    /// <exception cref="InterpException">The store is empty, or <paramref name="inMemory"/> is true and it does not fit.</exception>
    public StoreActivationSource(ActivationStoreReader reader, bool? inMemory = null, int shuffleBufferRows = 0, bool ownsReader = false,
                                 long autoLoadLimitBytes = AutoLoadLimitBytes)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfNegative(shuffleBufferRows);
        if (reader.Rows - reader.BosRows == 0) throw new InterpException($"{reader.Folder}: the activation store holds no rows{(reader.BosRows > 0 ? " besides BOS rows" : "")}");
        (_reader, _ownsReader, _shuffleBufferRows) = (reader, ownsReader, shuffleBufferRows);
        InMemory = inMemory ?? (reader.FitsInMemory && reader.Float32Bytes <= autoLoadLimitBytes);
    }

    /// <summary>Opens the store at <paramref name="path"/> (a hook folder, or a store root and <paramref name="hook"/>); see <see cref="ActivationStoreReader.Open"/>.</summary>
    public static StoreActivationSource Open(string path, string? hook = null, bool? inMemory = null, int shuffleBufferRows = 0)
    {
        var reader = ActivationStoreReader.Open(path, hook);
        try
        {
            return new StoreActivationSource(reader, inMemory, shuffleBufferRows, ownsReader: true);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The largest store (as float32) loaded into memory by default: 2 GiB, 4M rows at d = 128.</summary>
    public const long AutoLoadLimitBytes = 2L << 30;

    /// <summary>The store's reader (its manifest names the hook, model and corpus).</summary>
    public ActivationStoreReader Reader => _reader;

    /// <summary>The store's manifest.</summary>
    public ActivationManifest Manifest => _reader.Manifest;

    /// <inheritdoc />
    public int D => _reader.D;

    /// <summary>Rows (tokens) served from the store: all of them but the BOS rows (<see cref="ActivationStoreReader.BosRows"/>).</summary>
    public long Rows => _reader.Rows - _reader.BosRows;

    /// <summary>Whether the store is served from memory (loaded on the first <see cref="Batches"/>) rather than streamed.</summary>
    public bool InMemory { get; }

    /// <summary>Full batches of <paramref name="batchSize"/> rows in one pass over the store.</summary>
    public long BatchesPerPass(int batchSize) => Rows / Math.Max(1, batchSize);

    /// <summary>How many passes over the store <paramref name="tokens"/> training rows take with batches of <paramref name="batchSize"/> (rows of partial batches are left out of each pass).</summary>
    public double Passes(long tokens, int batchSize)
    {
        var perPass = BatchesPerPass(batchSize);
        return perPass == 0 ? double.PositiveInfinity : tokens / ((double)perPass * batchSize);
    }

    /// <inheritdoc />
    /// <exception cref="InterpException">The store holds fewer rows than one batch.</exception>
    public IEnumerable<float[]> Batches(int batchSize, int seed, long skipBatches = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(skipBatches);
        var perPass = BatchesPerPass(batchSize);
        if (perPass == 0)
            throw new InterpException($"{_reader.Folder}: the store holds {Rows:N0} activation rows, fewer than one batch of {batchSize:N0}");
        if (InMemory)
        {
            _memory ??= new InMemoryActivationSource(_reader.LoadAll(withoutBos: true), D);
            return _memory.Batches(batchSize, seed, skipBatches);
        }
        return Stream(batchSize, seed, perPass, skipBatches);
    }

    private IEnumerable<float[]> Stream(int batchSize, int seed, long perPass, long skipBatches)
    {
        var pass = skipBatches / perPass;
        var skip = skipBatches % perPass;
        while (true)
        {
            long index = 0;
            var passSeed = unchecked(seed * 1_000_003 + (int)pass);                            // not HashCode: it is salted per process
            foreach (var batch in _reader.Batches(batchSize, shuffle: true, seed: passSeed, shuffleBufferRows: _shuffleBufferRows, dropLast: true, withoutBos: true))
            {
                if (index++ < skip) continue;                                                   // read and dropped: the same rows as before
                yield return batch;
            }
            skip = 0;
            pass++;
        }
    }

    /// <summary>Closes the reader when this source opened it.</summary>
    public void Dispose()
    {
        if (_ownsReader) _reader.Dispose();
    }
}
