using Interp.Core;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>How the learning rate falls after the warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Constant after the warm-up.</summary>
    None,
    /// <summary>Constant, then linear to the minimum over the last <see cref="SaeTrainingOptions.DecayFraction"/> of the steps (Anthropic).</summary>
    Linear,
    /// <summary>Cosine from the peak to the minimum over all steps after the warm-up.</summary>
    Cosine,
}

/// <summary>How b_dec (the pre-encoder bias and decoder offset) starts.</summary>
public enum DecoderBiasInit
{
    /// <summary>The geometric median of the initial sample (Weiszfeld iterations), as in OpenAI's TopK SAEs.</summary>
    GeometricMedian,
    /// <summary>The mean of the initial sample.</summary>
    Mean,
    /// <summary>Zeros.</summary>
    Zeros,
}

/// <summary>
/// Options for <see cref="SaeTrainer"/> (SAELens's runner config, reduced). Defaults follow the references: Adam,
/// LR warm-up then linear decay over the last 20%, inputs normalised to mean ‖x‖ = √d_in, b_dec at the geometric median,
/// AuxK in Gao et al.'s normalised form with coefficient 1/32 and k_aux = d_in/2, latents dead after a window of steps
/// without firing (a tenth of the run, at most SAELens's 1,000).
/// </summary>
public sealed record SaeTrainingOptions
{
    /// <summary>Where the SAE folder is written (cfg.json, sae_weights.safetensors, training_log.jsonl, checkpoint/).</summary>
    public required string OutDirectory { get; init; }

    /// <summary>The architecture to train.</summary>
    public SaeArchitecture Architecture { get; init; } = SaeArchitecture.TopK;

    /// <summary>The number of latents; when null, <see cref="ExpansionFactor"/> × d_in.</summary>
    public int? DSae { get; init; }

    /// <summary>d_sae / d_in when <see cref="DSae"/> is null.</summary>
    public int ExpansionFactor { get; init; } = 8;

    /// <summary>Latents per token for topk and batchtopk.</summary>
    public int K { get; init; } = 32;

    /// <summary>How many activation rows (tokens) to train on; the step count is this over <see cref="BatchSize"/>, rounded up.</summary>
    public long TrainingTokens { get; init; } = 10_000_000;

    /// <summary>Rows per step.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The default <see cref="BatchSize"/>.</summary>
    public const int DefaultBatchSize = 4096;

    /// <summary>Adam's peak learning rate.</summary>
    public double LearningRate { get; init; } = 4e-4;

    /// <summary>Adam's β₁.</summary>
    public double AdamBeta1 { get; init; } = 0.9;

    /// <summary>Adam's β₂.</summary>
    public double AdamBeta2 { get; init; } = 0.999;

    /// <summary>Steps of linear learning-rate warm-up from LR/warmup to LR.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>The decay after the warm-up.</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Linear;

    /// <summary>For <see cref="LearningRateDecay.Linear"/>: the final fraction of steps over which the rate falls.</summary>
    public double DecayFraction { get; init; } = 0.2;

    /// <summary>The rate at the end of the decay, as a fraction of the peak.</summary>
    public double MinLearningRateFraction { get; init; }

    /// <summary>The L1 (relu) or L0 (jumprelu) coefficient; null takes 5 for relu (Anthropic, on normalised inputs) and 1 for jumprelu (SAELens).</summary>
    public double? SparsityCoefficient { get; init; }

    /// <summary>Steps over which the sparsity coefficient rises linearly from 0; null takes 5% of the steps.</summary>
    public int? SparsityWarmupSteps { get; init; }

    /// <summary>Dead latents each token may use in AuxK; null takes d_in / 2 (SAELens's heuristic; OpenAI used 256–512).</summary>
    public int? KAux { get; init; }

    /// <summary>The AuxK coefficient: Gao et al.'s 1/32 for their normalised loss (<see cref="SaeLosses.AuxK"/>); 0 turns AuxK off.</summary>
    public double AuxKCoefficient { get; init; } = 1.0 / 32;

    /// <summary>
    /// A latent that has not fired in any of the last this many steps counts as dead (AuxK trains those; the log's
    /// dead_fraction counts them); SAELens's <c>dead_feature_window</c>, in steps as there. Null: see <see cref="DeadWindow"/>.
    /// </summary>
    public int? DeadWindowSteps { get; init; }

    /// <summary>SAELens's default <c>dead_feature_window</c> (1,000 steps, 4M tokens at batch 4,096): the longest default window.</summary>
    public const int MaxDefaultDeadWindow = 1000;

    /// <summary>JumpReLU: the straight-through estimator's kernel width ε.</summary>
    public double JumpReluBandwidth { get; init; } = 0.001;

    /// <summary>JumpReLU: the initial threshold θ for every latent.</summary>
    public double JumpReluInitialThreshold { get; init; } = 0.001;

    /// <summary>BatchTopK: the weight of each batch's minimum kept activation in the threshold's moving average.</summary>
    public double BatchTopKThresholdRate { get; init; } = 0.01;

    /// <summary>BatchTopK: batches after training over which the inference threshold is re-estimated for the final weights (0: keep the moving average).</summary>
    public int ThresholdCalibrationBatches { get; init; } = 16;

    /// <summary>Scale inputs so that their mean norm is √d_in (SAELens; estimated from the initial sample, folded into the weights at the final save).</summary>
    public bool NormalizeActivations { get; init; } = true;

    /// <summary>How b_dec starts.</summary>
    public DecoderBiasInit DecoderBiasInit { get; init; } = DecoderBiasInit.GeometricMedian;

    /// <summary>Rows taken from the start of the data for the scale estimate and the b_dec initialisation.</summary>
    public int InitSamples { get; init; } = 8192;

    /// <summary>Weiszfeld iterations for the geometric median.</summary>
    public int GeometricMedianIterations { get; init; } = 20;

    /// <summary>Save a checkpoint every this many steps (and at the end, on cancellation and before a non-finite loss stops the run).</summary>
    public int CheckpointEvery { get; init; } = 1000;

    /// <summary>Append a line to training_log.jsonl and report progress every this many steps.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>Seeds the initial weights and the data order.</summary>
    public int Seed { get; init; } = 42;

    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Recorded in cfg.json: the hook the activations came from.</summary>
    public string HookName { get; init; } = "";

    /// <summary>Recorded in cfg.json: the model the activations came from.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>Recorded in cfg.json (<c>model_weights_sha256</c>): the SHA-256 of the model's weights, from the store's manifest.</summary>
    public string? ModelWeightsSha256 { get; init; }

    /// <summary>Recorded in cfg.json (<c>prepend_bos</c>): whether the harvested contexts started with a BOS token.</summary>
    public bool PrependBos { get; init; } = true;

    /// <summary>Recorded in cfg.json (<c>model_from_pretrained_kwargs</c>): the TransformerLens processing the store's model ran with.</summary>
    public TlProcessing ModelProcessing { get; init; } = TlProcessing.None;

    /// <summary>Recorded in cfg.json: the context length the activations were harvested with.</summary>
    public int? ContextSize { get; init; }

    /// <summary>Recorded in cfg.json: the corpus the activations came from.</summary>
    public string? DatasetPath { get; init; }

    /// <summary>
    /// A transcoder's output hook (recorded as <c>hook_name_out</c>); null trains an SAE. A transcoder's source serves
    /// rows [x | y]: the input at <see cref="HookName"/> (d_in) then the target at this hook (<see cref="OutputWidth"/>).
    /// </summary>
    public string? OutputHookName { get; init; }

    /// <summary>d_out, the width of a transcoder's target rows (the last columns of each source row).</summary>
    public int OutputWidth { get; init; }

    /// <summary>Train a transcoder with a skip connection W_skip (initialised at zero, as SAELens's SkipTranscoder).</summary>
    public bool Skip { get; init; }

    /// <summary>Whether this run trains a transcoder.</summary>
    public bool IsTranscoder => OutputHookName is not null;

    /// <summary>The number of optimizer steps.</summary>
    public int TotalSteps => (int)Math.Min(int.MaxValue, (TrainingTokens + BatchSize - 1) / Math.Max(1, BatchSize));

    /// <summary>
    /// The dead-latent window in steps: <see cref="DeadWindowSteps"/>, or a tenth of the run's steps, at most
    /// <see cref="MaxDefaultDeadWindow"/>. A fixed token count (OpenAI's 10M) is longer than this project's 0.3–4M-token
    /// runs, so AuxK never engaged; a tenth lets a latent that dies early be counted and trained back for most of the
    /// run, and keeps the window a few passes over a small store at most, so the log's count is close to what an
    /// evaluation on the training data finds.
    /// </summary>
    public int DeadWindow => DeadWindowSteps ?? Math.Clamp(TotalSteps / 10, 1, MaxDefaultDeadWindow);

    /// <summary>The sparsity coefficient after its warm-up (see <see cref="SparsityCoefficient"/>).</summary>
    public double EffectiveSparsityCoefficient => SparsityCoefficient ?? Architecture.Definition().DefaultSparsityCoefficient;

    /// <summary>Throws an <see cref="InterpException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new InterpException(message);
        }
        Require(!string.IsNullOrWhiteSpace(OutDirectory), "SAE training: the output folder is empty");
        Require(BatchSize > 0, $"SAE training: batch size must be positive, got {BatchSize}");
        Require(TrainingTokens > 0, $"SAE training: training tokens must be positive, got {TrainingTokens}");
        Require(DSae is null or > 0, $"SAE training: d_sae must be positive, got {DSae}");
        Require(ExpansionFactor > 0, $"SAE training: expansion factor must be positive, got {ExpansionFactor}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"SAE training: learning rate must be positive, got {LearningRate}");
        Require(WarmupSteps >= 0, $"SAE training: warm-up steps must not be negative, got {WarmupSteps}");
        Require(DecayFraction is >= 0 and <= 1, $"SAE training: decay fraction must be between 0 and 1, got {DecayFraction}");
        Require(MinLearningRateFraction is >= 0 and <= 1, $"SAE training: minimum learning-rate fraction must be between 0 and 1, got {MinLearningRateFraction}");
        Require(EffectiveSparsityCoefficient >= 0, $"SAE training: sparsity coefficient must not be negative, got {SparsityCoefficient}");
        Require(SparsityWarmupSteps is null or >= 0, $"SAE training: sparsity warm-up steps must not be negative, got {SparsityWarmupSteps}");
        Require(KAux is null or > 0, $"SAE training: k_aux must be positive, got {KAux}");
        Require(DeadWindowSteps is null or > 0, $"SAE training: the dead-latent window must be a positive number of steps, got {DeadWindowSteps}");
        Require(AuxKCoefficient >= 0 && double.IsFinite(AuxKCoefficient), $"SAE training: the AuxK coefficient must not be negative, got {AuxKCoefficient}");
        Require(JumpReluBandwidth > 0, $"SAE training: the JumpReLU bandwidth must be positive, got {JumpReluBandwidth}");
        Require(JumpReluInitialThreshold > 0, $"SAE training: the JumpReLU initial threshold must be positive, got {JumpReluInitialThreshold}");
        Require(BatchTopKThresholdRate is > 0 and <= 1, $"SAE training: the BatchTopK threshold rate must be in (0, 1], got {BatchTopKThresholdRate}");
        Require(ThresholdCalibrationBatches >= 0, $"SAE training: threshold calibration batches must not be negative, got {ThresholdCalibrationBatches}");
        Require(InitSamples > 0, $"SAE training: init samples must be positive, got {InitSamples}");
        Require(CheckpointEvery > 0, $"SAE training: checkpoint interval must be positive, got {CheckpointEvery}");
        Require(LogEvery > 0, $"SAE training: log interval must be positive, got {LogEvery}");
        if (Architecture.Definition().UsesK)
            Require(K > 0, $"SAE training: k must be positive for {Architecture.ToSaeLensName()}, got {K}");
        Require(!Skip || IsTranscoder, "SAE training: a skip connection needs a transcoder (an output hook)");
        if (IsTranscoder)
        {
            Require(OutputWidth > 0, $"transcoder training: the output width must be positive, got {OutputWidth}");
            Require(Architecture is SaeArchitecture.Relu or SaeArchitecture.TopK or SaeArchitecture.JumpRelu,
                $"transcoder training: the architecture must be relu, topk or jumprelu, got {Architecture.ToSaeLensName()}");
        }
    }
}
