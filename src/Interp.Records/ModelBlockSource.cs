using Interp.Core;
using Interp.Core.Hooks;
using Interp.Model;
using Interp.Model.Harvest;
using static TorchSharp.torch;

namespace Interp.Records;

/// <summary>
/// Blocks computed on the fly: the model runs over <see cref="ContextSet"/> batch by batch
/// (<see cref="Gpt2.RunWithCache"/>, stopping after the hook) and the hook's values are handed on, so records can be
/// built without writing an activation store. Each pass runs the model again over the same batches (same values).
/// </summary>
public sealed class ModelBlockSource : IActivationBlockSource
{
    private readonly Gpt2 _model;
    private readonly HookName _hook;
    private readonly ContextSet _contexts;
    private readonly int _batchSize;

    /// <summary>Runs <paramref name="model"/> over <paramref name="contexts"/>, <paramref name="batchSize"/> contexts at a time.</summary>
    /// <exception cref="InterpException">The hook is unknown or not one vector per token, or the contexts do not fit the model.</exception>
    public ModelBlockSource(Gpt2 model, HookName hook, ContextSet contexts, int batchSize = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(contexts);
        if (batchSize < 1) throw RecordOptions.Refuse(n => $"{n(nameof(RecordsJobOptions.Batch))} {batchSize}: must be at least 1");
        if (contexts.Ctx > model.Config.NPositions)
            throw RecordOptions.Refuse(n => $"{n(nameof(RecordsJobOptions.Ctx))} {contexts.Ctx} is longer than this model's n_positions={model.Config.NPositions}");
        if (contexts.MaxTokenId() is var maxId && maxId >= model.Config.VocabSize)
            throw new InterpException($"token id {maxId} is out of range for this model's vocab_size={model.Config.VocabSize}");
        (_model, _hook, _contexts, _batchSize) = (model, HookName.Parse(hook.Name, model.Config.NLayer), contexts, batchSize);
        Width = model.Config.WidthOf(_hook);
    }

    /// <inheritdoc />
    public string Hook => _hook.Name;

    /// <inheritdoc />
    public int Width { get; }

    /// <inheritdoc />
    public int Ctx => _contexts.Ctx;

    /// <inheritdoc />
    public long Contexts => _contexts.Count;

    /// <inheritdoc />
    public IEnumerable<ContextBlock> Blocks(int[] units, int maxContexts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(units);
        if (units.Length == 0 || units[0] < 0 || units[^1] >= Width) throw new ArgumentException($"units must lie in [0, {Width})", nameof(units));
        var ctx = Ctx;
        var batch = Math.Max(1, Math.Min(_batchSize, maxContexts));
        var all = units.Length == Width;
        for (long first = 0; first < Contexts; first += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = (int)Math.Min(batch, Contexts - first);
            var contexts = new long[n];
            var tokens = new long[n * ctx];
            var ids = new int[ctx];
            for (var i = 0; i < n; i++)
            {
                contexts[i] = first + i;
                _contexts.Fill(first + i, ids);
                for (var t = 0; t < ctx; t++) tokens[i * ctx + t] = ids[t];
            }
            float[] values;
            using (no_grad())
            using (NewDisposeScope())
            {
                using var input = tensor(tokens, [n, ctx]).to(_model.Device);
                var (_, cache) = _model.RunWithCache(input, [_hook], stopAtLastHook: true);
                using (cache)
                {
                    var flat = cache[_hook].reshape(n * ctx, Width);                                     // (n·T, width)
                    if (!all) flat = flat.index_select(1, tensor(units.Select(u => (long)u).ToArray()));   // (n·T, units)
                    values = TensorArrays.ToFloats(flat);
                }
            }
            yield return new ContextBlock(contexts, ctx, units.Length, values);
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<long, int[]> ContextTokens(IReadOnlyCollection<long> contexts)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        var tokens = new Dictionary<long, int[]>(contexts.Count);
        foreach (var context in contexts)
        {
            var ids = new int[Ctx];
            _contexts.Fill(context, ids);
            tokens[context] = ids;
        }
        return tokens;
    }
}
