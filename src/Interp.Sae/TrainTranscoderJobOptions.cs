using Interp.Core;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>What <see cref="TrainTranscoderJob"/> trains, on which store, into which folder; the defaults are the SAE trainer's.</summary>
public sealed record TrainTranscoderJobOptions
{
    private static readonly TrainSaeJobOptions Defaults = new() { Activations = "", OutDirectory = "" };

    /// <summary>An activation store root holding both of the block's hooks (one harvest).</summary>
    public required string Activations { get; init; }

    /// <summary>The block whose MLP the transcoder replaces: input <c>blocks.L.ln2.hook_normalized</c>, target <c>blocks.L.hook_mlp_out</c>.</summary>
    public required int Layer { get; init; }

    /// <summary>Add a skip connection W_skip [d_out, d_in] (SAELens's skip_transcoder).</summary>
    public bool Skip { get; init; }

    /// <summary>relu, topk or jumprelu.</summary>
    public SaeArchitecture Architecture { get; init; } = Defaults.Architecture;

    /// <summary>The number of latents; null: the SAE trainer's expansion factor × d_in.</summary>
    public int? DSae { get; init; }

    /// <summary>Latents per token for topk.</summary>
    public int K { get; init; } = Defaults.K;

    /// <summary>L1 (relu) or L0 (jumprelu) coefficient; null: the architecture's default.</summary>
    public double? SparsityCoefficient { get; init; }

    /// <summary>Adam's peak learning rate.</summary>
    public double LearningRate { get; init; } = Defaults.LearningRate;

    /// <summary>Pairs of rows to train on; more than the store holds makes further shuffled passes.</summary>
    public long Tokens { get; init; } = Defaults.Tokens;

    /// <summary>Rows per step.</summary>
    public int BatchSize { get; init; } = Defaults.BatchSize;

    /// <summary>Steps without firing after which a latent counts as dead; null: the trainer's default.</summary>
    public int? DeadWindow { get; init; }

    /// <summary>The AuxK coefficient for topk; 0 turns AuxK off; null: 1/32.</summary>
    public double? AuxKCoefficient { get; init; }

    /// <summary>Dead latents each token may use in AuxK; null: d_in / 2.</summary>
    public int? KAux { get; init; }

    /// <summary>Save a checkpoint every this many steps.</summary>
    public int CheckpointEvery { get; init; } = Defaults.CheckpointEvery;

    /// <summary>Continue the run whose checkpoint is in <see cref="OutDirectory"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>Seeds the initial weights and the data order.</summary>
    public int Seed { get; init; } = Defaults.Seed;

    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; init; } = Defaults.Device;

    /// <summary>The transcoder folder: cfg.json, sae_weights.safetensors, training_log.jsonl, checkpoint/.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>The options by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        nameof(Layer) => "layer",
        nameof(Architecture) => "architecture",
        _ => TrainSaeJobOptions.Meaning(option),
    };

    /// <summary>These options as the SAE job's (for its checks and the trainer's options).</summary>
    internal TrainSaeJobOptions AsSaeOptions() => new()
    {
        Activations = Activations, Architecture = Architecture, DSae = DSae, K = K, SparsityCoefficient = SparsityCoefficient,
        LearningRate = LearningRate, Tokens = Tokens, BatchSize = BatchSize, DeadWindow = DeadWindow, AuxKCoefficient = AuxKCoefficient,
        KAux = KAux, CheckpointEvery = CheckpointEvery, Resume = Resume, Seed = Seed, Device = Device, OutDirectory = OutDirectory,
    };

    /// <summary>Throws an <see cref="InvalidOptionException"/> for the first option out of range that needs no store to tell.</summary>
    public void Validate()
    {
        if (Layer < 0) throw Refuse(n => $"{n(nameof(Layer))} {Layer}: must be a block number (0 or more)");
        if (Architecture is not (SaeArchitecture.Relu or SaeArchitecture.TopK or SaeArchitecture.JumpRelu))
            throw Refuse(n => $"{n(nameof(Architecture))} {Architecture.ToSaeLensName()}: a transcoder is relu, topk or jumprelu");
        AsSaeOptions().Validate();
    }

    internal static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);
}
