using Interp.Core;
using Interp.Model.Harvest;

namespace Interp.Sae;

/// <summary>What <see cref="EvalSaeJob"/> evaluates, with its defaults.</summary>
public sealed record EvalSaeJobOptions
{
    /// <summary>The default <see cref="Tokens"/>.</summary>
    public const long DefaultTokens = 32_768;

    /// <summary>The default <see cref="Batch"/>.</summary>
    public const int DefaultBatch = HarvestOptions.DefaultBatchSize;

    /// <summary>The context length when neither <see cref="Ctx"/> nor the SAE's <c>context_size</c> gives one.</summary>
    public const int DefaultCtx = ContextBuilder.DefaultCtx;

    /// <summary>The SAE folder (SAELens layout).</summary>
    public required string Sae { get; init; }

    /// <summary>Model folder or hub name; null: the model the SAE names when that folder exists, else the embedded model.</summary>
    public string? Model { get; init; }

    /// <summary>Corpus files, folders or globs, their documents joined with &lt;|endoftext|&gt;.</summary>
    public required IReadOnlyList<string> Corpus { get; init; }

    /// <summary>The JSON field or Parquet column that holds each document's text.</summary>
    public string TextField { get; init; } = Core.Corpora.CorpusInput.DefaultTextField;

    /// <summary>Tokens per context; null: the SAE's context_size, else <see cref="DefaultCtx"/>, at most the model's n_positions.</summary>
    public int? Ctx { get; init; }

    /// <summary>Tokens to evaluate on (at most the corpus).</summary>
    public long Tokens { get; init; } = DefaultTokens;

    /// <summary>Corpus tokens left out at the start (e.g. those the SAE was trained on).</summary>
    public long SkipTokens { get; init; }

    /// <summary>
    /// Start every context with &lt;|endoftext|&gt; (its position is then left out of every metric, and the SAE is not
    /// spliced in there); null: as the SAE's cfg.json says (<c>prepend_bos</c>, true when absent), as SAELens does.
    /// </summary>
    public bool? PrependBos { get; init; }

    /// <summary>Contexts per forward pass.</summary>
    public int Batch { get; init; } = DefaultBatch;

    /// <summary>
    /// TransformerLens weight processing for the model; null: what the SAE's cfg says (<c>model_from_pretrained_kwargs</c>,
    /// none when absent), so the SAE sees the activations it was trained on.
    /// </summary>
    public TlProcessing? Processing { get; init; }

    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>The options by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        nameof(Tokens) => "tokens to evaluate",
        nameof(Batch) => "contexts per batch",
        nameof(SkipTokens) => "skipped tokens",
        nameof(Ctx) => "context length",
        nameof(TextField) => "text field",
        _ => option,
    };

    /// <summary>Throws an <see cref="InvalidOptionException"/> for the first option out of range that needs no file to tell.</summary>
    public void Validate()
    {
        if (Tokens <= 0) throw Refuse(n => $"{n(nameof(Tokens))} {Tokens}: must be positive");
        if (Batch <= 0) throw Refuse(n => $"{n(nameof(Batch))} {Batch}: must be positive");
        if (SkipTokens < 0) throw Refuse(n => $"{n(nameof(SkipTokens))} {SkipTokens}: must not be negative");
    }

    internal static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);
}
