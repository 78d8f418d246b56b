using Interp.Core;
using Interp.Core.Store;

namespace Interp.Model.Harvest;

/// <summary>What <see cref="HarvestJob"/> harvests, with its defaults.</summary>
public sealed record HarvestJobOptions
{
    /// <summary>The default <see cref="ShardMegabytes"/>.</summary>
    public const double DefaultShardMegabytes = 128;

    /// <summary>Corpus files, folders or globs (<see cref="Core.Corpora.CorpusInputs"/>), joined with &lt;|endoftext|&gt; in the order given.</summary>
    public required IReadOnlyList<string> Corpus { get; init; }

    /// <summary>The JSON field or Parquet column that holds each document's text.</summary>
    public string TextField { get; init; } = Core.Corpora.CorpusInput.DefaultTextField;

    /// <summary>
    /// Hook names to store, or globs over them (<c>blocks.*.hook_resid_post</c>: <c>*</c> any run of characters, <c>?</c> one),
    /// checked against the model's layers when the job is prepared. One forward pass writes every hook's store.
    /// </summary>
    public required IReadOnlyList<string> Hooks { get; init; }

    /// <summary>The store folder: one subfolder per hook.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>Tokens per context.</summary>
    public int Ctx { get; init; } = ContextBuilder.DefaultCtx;

    /// <summary>Harvest the first ceil(Tokens/Ctx) contexts only; null: the whole corpus.</summary>
    public long? Tokens { get; init; }

    /// <summary>Contexts per forward pass.</summary>
    public int Batch { get; init; } = HarvestOptions.DefaultBatchSize;

    /// <summary>This machine's part of a harvest split over several, as <c>K/N</c>.</summary>
    public string Shard { get; init; } = "1/1";

    /// <summary>Start every context with &lt;|endoftext|&gt; (the default, as TransformerLens's <c>prepend_bos</c> and SAELens's stores).</summary>
    public bool PrependBos { get; init; } = true;

    /// <summary>How activations are stored.</summary>
    public ActivationDtype Dtype { get; init; } = ActivationDtype.Float32;

    /// <summary>Target shard size in MiB.</summary>
    public double ShardMegabytes { get; init; } = DefaultShardMegabytes;

    /// <summary>Replace an existing store (a finished store is otherwise never overwritten).</summary>
    public bool Overwrite { get; init; }

    /// <summary>The options by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        nameof(Batch) => "contexts per batch",
        nameof(Shard) => StoreLayout.Meaning(option),
        nameof(Hooks) => "hook name",
        _ => ContextBuilder.Meaning(option),
    };

    /// <summary>Throws an <see cref="InvalidOptionException"/> for the first option out of range that needs no file to tell.</summary>
    public void Validate() => Split();

    /// <summary>The <see cref="Shard"/> part as (K, N).</summary>
    public (int K, int N) Split()
    {
        var parts = Shard.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var k) || !int.TryParse(parts[1], out var n))
            throw Refuse(o => $"{o(nameof(Shard))} {Shard}: expected K/N, e.g. 2/4");
        if (n < 1 || k < 1 || k > n) throw Refuse(o => $"{o(nameof(Shard))} {k}/{n}: expected K/N with 1 ≤ K ≤ N");
        return (k, n);
    }

    internal static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);
}
