using Interp.Core;
using Interp.Core.Store;

namespace Interp.Records;

/// <summary>
/// Blocks of whole contexts read from one hook's activation store (<see cref="ActivationStoreReader.RowGroups"/>): the
/// stored values exactly (float16 stores widened to float32), a context's rows gathered even when a row group ends
/// inside it. Token ids come from the store's index columns.
/// </summary>
public sealed class StoreBlockSource : IActivationBlockSource
{
    private readonly ActivationStoreReader _store;

    /// <summary>Reads <paramref name="store"/> (which the caller keeps open while this source is used).</summary>
    public StoreBlockSource(ActivationStoreReader store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        if (store.Manifest.Ctx < 1) throw new InterpException($"{Path.Combine(store.Folder, ActivationManifest.FileName)}: ctx {store.Manifest.Ctx} is not positive");
        if (store.Rows % store.Manifest.Ctx != 0)
            throw new InterpException($"{Path.Combine(store.Folder, ActivationManifest.FileName)}: {store.Rows:N0} rows are not whole contexts of {store.Manifest.Ctx}");
    }

    /// <inheritdoc />
    public string Hook => _store.Manifest.Hook;

    /// <inheritdoc />
    public int Width => _store.D;

    /// <inheritdoc />
    public int Ctx => _store.Manifest.Ctx;

    /// <inheritdoc />
    public long Contexts => _store.Rows / Ctx;

    /// <inheritdoc />
    public IEnumerable<ContextBlock> Blocks(int[] units, int maxContexts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxContexts);
        if (units.Length == 0 || units[0] < 0 || units[^1] >= Width) throw new ArgumentException($"units must lie in [0, {Width})", nameof(units));
        var (ctx, d, n) = (Ctx, Width, units.Length);
        var contiguous = units[^1] - units[0] == n - 1;
        var capacity = (int)Math.Min(maxContexts, Math.Max(1, Contexts));
        var contexts = new long[capacity];
        var values = new float[(long)capacity * ctx * n];
        var filled = 0;          // whole contexts in the block
        var position = 0;        // next position expected in the current context
        long current = -1;
        foreach (var group in _store.RowGroups())
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var r = 0; r < group.Rows; r++)
            {
                var context = group.Context[r];
                if (group.Position[r] != position || (position > 0 && context != current) || (position == 0 && context <= current))
                    throw new InterpException($"{_store.Folder}: row of context {context} position {group.Position[r]} is out of order " +
                                              $"(expected context {(position == 0 ? "> " + current : current.ToString())} position {position})");
                current = context;
                var source = group.Activations.AsSpan(r * d, d);
                var target = values.AsSpan(checked((int)(((long)filled * ctx + position) * n)), n);
                if (contiguous) source.Slice(units[0], n).CopyTo(target);
                else for (var j = 0; j < n; j++) target[j] = source[units[j]];
                if (++position < ctx) continue;
                contexts[filled++] = context;
                position = 0;
                if (filled < capacity) continue;
                yield return new ContextBlock(contexts, ctx, n, values);
                (contexts, values, filled) = (new long[capacity], new float[(long)capacity * ctx * n], 0);
            }
        }
        if (position != 0) throw new InterpException($"{_store.Folder}: the last context ({current}) ends after {position} of {ctx} positions");
        if (filled > 0) yield return new ContextBlock(contexts[..filled], ctx, n, values[..(filled * ctx * n)]);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<long, int[]> ContextTokens(IReadOnlyCollection<long> contexts)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        var wanted = contexts as IReadOnlySet<long> ?? contexts.ToHashSet();
        var tokens = new Dictionary<long, int[]>(wanted.Count);
        if (wanted.Count == 0) return tokens;
        foreach (var group in _store.RowGroups(activations: false))
            for (var r = 0; r < group.Rows; r++)
            {
                var context = group.Context[r];
                if (!wanted.Contains(context)) continue;
                if (!tokens.TryGetValue(context, out var ids)) tokens[context] = ids = new int[Ctx];
                ids[group.Position[r]] = group.Token[r];
            }
        foreach (var context in wanted)
            if (!tokens.ContainsKey(context)) throw new InterpException($"{_store.Folder}: context {context} is not in the store");
        return tokens;
    }
}
