using Interp.Model.Harvest;
using Interp.Sae;

namespace Interp.Cli.Quickstart;

/// <summary>What <c>interp quickstart</c> runs: the model, the corpus, the run folder and the size of each stage.</summary>
public sealed record QuickstartSettings
{
    /// <summary>Model folder or hub name as the user gave it; null for the embedded default model.</summary>
    public string? Model { get; init; }

    /// <summary>TransformerLens weight processing for the harvest (the SAE's cfg, records and the UI then follow it); null: none.</summary>
    public Interp.Core.TlProcessing? Processing { get; init; }

    /// <summary>auto, cpu or cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Corpus files, folders or globs, their documents joined with &lt;|endoftext|&gt;.</summary>
    public required IReadOnlyList<string> Corpus { get; init; }

    /// <summary>The JSON field or Parquet column that holds each document's text (harvest and eval-sae read the corpus).</summary>
    public string TextField { get; init; } = Interp.Core.Corpora.CorpusInput.DefaultTextField;

    /// <summary>The run folder (activations/, sae/, records/, autointerp/).</summary>
    public required string OutDirectory { get; init; }

    /// <summary>The residual-stream hook the SAE is trained on.</summary>
    public required string SaeHook { get; init; }

    /// <summary>The MLP hook whose neurons get records and explanations.</summary>
    public required string MlpHook { get; init; }

    /// <summary>Tokens per context.</summary>
    public int Ctx { get; init; } = ContextBuilder.DefaultCtx;

    /// <summary>Tokens harvested (the first ones of the corpus); the SAE and the records see these.</summary>
    public required long HarvestTokens { get; init; }

    /// <summary>Tokens after the harvested ones that the SAE is evaluated on; 0 evaluates on the harvested tokens.</summary>
    public required long EvalTokens { get; init; }

    /// <summary>Activation rows the SAE trains on (several shuffled passes over the store).</summary>
    public required long SaeTrainingTokens { get; init; }

    /// <summary>SAE latents.</summary>
    public required int DSae { get; init; }

    /// <summary>Latents per token of the TopK SAE.</summary>
    public int K { get; init; } = DefaultK;

    /// <summary>The default <see cref="K"/>: train-sae's.</summary>
    public static readonly int DefaultK = new TrainSaeJobOptions { Activations = "", OutDirectory = "" }.K;

    /// <summary>libtorch CPU threads for every stage and the UI; null: libtorch's choice (one per core).</summary>
    public int? Threads { get; init; }

    /// <summary>Show no progress in any stage (each verb's <c>--quiet</c>).</summary>
    public bool Quiet { get; init; }

    /// <summary>Also train a transcoder per layer (with records and explanations) for the graph page.</summary>
    public bool Transcoders { get; init; }

    /// <summary>The model's layers (one transcoder each).</summary>
    public int Layers { get; init; }

    /// <summary>Tokens harvested at every layer's MLP input and output for the transcoders (the first ones of the corpus).</summary>
    public long TranscoderHarvestTokens { get; init; } = DefaultTranscoderHarvestTokens;

    /// <summary>The default <see cref="TranscoderHarvestTokens"/>: 400 contexts of 128.</summary>
    public const long DefaultTranscoderHarvestTokens = 51_200;

    /// <summary>Activation rows each transcoder trains on: 400 steps of <see cref="TranscoderBatch"/>.</summary>
    public long TranscoderTrainingTokens { get; init; } = 409_600;

    /// <summary>Rows per transcoder training step: smaller than an SAE's, for more steps over the smaller harvest.</summary>
    public int TranscoderBatch { get; init; } = 1024;

    /// <summary>
    /// Adam's peak learning rate for the transcoders: 5 × the SAE default, which in 400 steps left layer 3's explained
    /// variance of the MLP output at 0.911 (0.967 with this rate) on the embedded model.
    /// </summary>
    public double TranscoderLearningRate { get; init; } = 0.002;

    /// <summary>Latents of each transcoder.</summary>
    public int TranscoderDSae { get; init; } = 1024;

    /// <summary>offline, or llm (an OpenAI-compatible endpoint from INTERP_LLM_ENDPOINT / INTERP_LLM_MODEL).</summary>
    public string Explainer { get; init; } = "offline";
}
