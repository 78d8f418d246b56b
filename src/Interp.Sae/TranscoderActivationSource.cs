using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;

namespace Interp.Sae;

/// <summary>
/// What a transcoder of block L trains on: one harvest's stores of <c>blocks.L.ln2.hook_normalized</c> (the MLP's input)
/// and <c>blocks.L.hook_mlp_out</c> (its output), checked to hold the same tokens in the same order, served from memory
/// as rows <c>[x | y]</c> of width d_in + d_out in shuffled passes (<see cref="InMemoryActivationSource"/>), BOS rows
/// left out as SAE training leaves them out.
/// </summary>
public sealed class TranscoderActivationSource : IActivationSource
{
    private readonly InMemoryActivationSource _rows;

    private TranscoderActivationSource(InMemoryActivationSource rows, ActivationManifest input, ActivationManifest output, string inputFolder, long bosRows)
    {
        (_rows, Input, Output, InputFolder, BosRows) = (rows, input, output, inputFolder, bosRows);
    }

    /// <summary>The input store's manifest (hook, model, corpus, context length).</summary>
    public ActivationManifest Input { get; }

    /// <summary>The output store's manifest.</summary>
    public ActivationManifest Output { get; }

    /// <summary>The input store's folder.</summary>
    public string InputFolder { get; }

    /// <summary>BOS rows left out of each store.</summary>
    public long BosRows { get; }

    /// <summary>d_in, the input's width.</summary>
    public int DIn => Input.D;

    /// <summary>d_out, the target's width.</summary>
    public int DOut => Output.D;

    /// <inheritdoc />
    public int D => DIn + DOut;

    /// <summary>Paired rows served.</summary>
    public long Rows => _rows.Count;

    /// <summary>Bytes the pairs take in memory.</summary>
    public long Bytes => Rows * D * sizeof(float);

    /// <summary>How many passes over the pairs <paramref name="tokens"/> training rows take with batches of <paramref name="batchSize"/>.</summary>
    public double Passes(long tokens, int batchSize)
    {
        var perPass = Rows / Math.Max(1, batchSize);
        return perPass == 0 ? double.PositiveInfinity : tokens / ((double)perPass * batchSize);
    }

    /// <inheritdoc />
    public IEnumerable<float[]> Batches(int batchSize, int seed, long skipBatches = 0) => _rows.Batches(batchSize, seed, skipBatches);

    /// <summary>
    /// Loads block <paramref name="layer"/>'s pair of stores from <paramref name="activations"/> (a store root). A missing
    /// store, stores of different models, contexts or tokens, or pairs too large for memory are one
    /// <see cref="InterpException"/> line naming the store.
    /// </summary>
    public static TranscoderActivationSource Open(string activations, int layer)
    {
        ArgumentNullException.ThrowIfNull(activations);
        var (inputHook, outputHook) = (HookName.Ln2Normalized(layer), HookName.MlpOut(layer));
        using var input = OpenHook(activations, inputHook, inputHook, outputHook);
        using var output = OpenHook(activations, outputHook, inputHook, outputHook);
        CheckAligned(input, output);
        var rows = input.Rows - input.BosRows;
        if (rows == 0) throw new InterpException($"{input.Folder}: the activation store holds no rows{(input.BosRows > 0 ? " besides BOS rows" : "")}");
        var width = input.D + output.D;
        if (rows * width > Array.MaxLength || !(input.FitsInMemory && output.FitsInMemory) ||
            rows * width * sizeof(float) * 2 > 0.8 * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)
            throw new InterpException($"{input.Folder} and {output.Folder}: {rows:N0} pairs of rows need {rows * width * 4 / 1e9:F1} GB in memory, " +
                                      "more than fits here (transcoder training loads its pairs into memory); harvest fewer tokens");
        var x = input.LoadAll(withoutBos: true);
        var y = output.LoadAll(withoutBos: true);
        var pairs = GC.AllocateUninitializedArray<float>(checked((int)(rows * width)));
        for (long r = 0; r < rows; r++)
        {
            Array.Copy(x, r * input.D, pairs, r * width, input.D);
            Array.Copy(y, r * output.D, pairs, r * width + input.D, output.D);
        }
        return new TranscoderActivationSource(new InMemoryActivationSource(pairs, width), input.Manifest, output.Manifest, input.Folder, input.BosRows);
    }

    private static ActivationStoreReader OpenHook(string activations, HookName hook, HookName inputHook, HookName outputHook)
    {
        try
        {
            return ActivationStoreReader.Open(activations, hook.Name);
        }
        catch (InterpException e) when (e.Message.Contains("no store for hook", StringComparison.Ordinal) || e.Message.Contains("not an activation store", StringComparison.Ordinal))
        {
            throw new InterpException($"{e.Message}; a transcoder trains on both {inputHook} and {outputHook}, harvested in one run", e);
        }
    }

    private static string Lower(bool value) => value ? "true" : "false";

    /// <summary>The two stores must come from one harvest: the same model, contexts and tokens, row for row.</summary>
    private static void CheckAligned(ActivationStoreReader input, ActivationStoreReader output)
    {
        var (a, b) = (input.Manifest, output.Manifest);
        string? difference =
            a.Model.WeightsSha256 != b.Model.WeightsSha256 ? $"they come from different models ({a.Model.Name}, {b.Model.Name})"
            : a.Processing != b.Processing ? $"the model's weight processing differs ({a.Processing} vs {b.Processing})"
            : a.Ctx != b.Ctx || a.PrependBos != b.PrependBos ? $"their contexts differ (ctx {a.Ctx} vs {b.Ctx}, prepend_bos {Lower(a.PrependBos)} vs {Lower(b.PrependBos)})"
            : input.Rows != output.Rows ? $"they hold {input.Rows:N0} and {output.Rows:N0} rows"
            : null;
        if (difference is null)
        {
            var (ci, pi, ti) = input.LoadIndex();
            var (co, po, to) = output.LoadIndex();
            for (var r = 0; r < ci.Length && difference is null; r++)
                if (ci[r] != co[r] || pi[r] != po[r] || ti[r] != to[r])
                    difference = $"row {r:N0} is context {ci[r]} position {pi[r]} token {ti[r]} in one and context {co[r]} position {po[r]} token {to[r]} in the other";
        }
        if (difference is not null)
            throw new InterpException($"{input.Folder} and {output.Folder} are not one harvest's rows ({difference}); harvest both hooks in one run");
    }
}
