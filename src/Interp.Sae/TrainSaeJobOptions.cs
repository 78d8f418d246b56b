using System.Globalization;
using Interp.Core;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>What <see cref="TrainSaeJob"/> trains, on which store, into which folder; the defaults are the trainer's.</summary>
public sealed record TrainSaeJobOptions
{
    private static readonly SaeTrainingOptions Defaults = new() { OutDirectory = "" };

    /// <summary>An activation store (<c>interp harvest --out</c>) or one hook folder in it.</summary>
    public required string Activations { get; init; }

    /// <summary>
    /// The hook to train on (needed when the store holds several); must be the store's. A glob (<c>blocks.*.hook_resid_post</c>)
    /// names a run per matching hook of a store root: <see cref="TrainSaeJob.PerHook"/>.
    /// </summary>
    public string? Hook { get; init; }

    /// <summary>The architecture to train.</summary>
    public SaeArchitecture Architecture { get; init; } = Defaults.Architecture;

    /// <summary>The number of latents; null: <see cref="ExpansionFactor"/> × d_in.</summary>
    public int? DSae { get; init; }

    /// <summary>d_sae / d_in when <see cref="DSae"/> is null.</summary>
    public static int ExpansionFactor => Defaults.ExpansionFactor;

    /// <summary>Latents per token for topk and batchtopk.</summary>
    public int K { get; init; } = Defaults.K;

    /// <summary>L1 (relu) or L0 (jumprelu) coefficient; null: the architecture's default.</summary>
    public double? SparsityCoefficient { get; init; }

    /// <summary>Adam's peak learning rate.</summary>
    public double LearningRate { get; init; } = Defaults.LearningRate;

    /// <summary>Activation rows to train on; more than the store holds makes further shuffled passes over it.</summary>
    public long Tokens { get; init; } = Defaults.TrainingTokens;

    /// <summary>Rows per step.</summary>
    public int BatchSize { get; init; } = Defaults.BatchSize;

    /// <summary>Steps without firing after which a latent counts as dead (AuxK, the log's dead_fraction); null: the trainer's default (<see cref="SaeTrainingOptions.DeadWindow"/>).</summary>
    public int? DeadWindow { get; init; }

    /// <summary>The AuxK coefficient for topk and batchtopk (Gao et al.'s normalised form); 0 turns AuxK off; null: 1/32.</summary>
    public double? AuxKCoefficient { get; init; }

    /// <summary>Dead latents each token may use in AuxK; null: d_in / 2.</summary>
    public int? KAux { get; init; }

    /// <summary>Save a checkpoint every this many steps (also at the end and on cancellation).</summary>
    public int CheckpointEvery { get; init; } = Defaults.CheckpointEvery;

    /// <summary>Continue the run whose checkpoint is in <see cref="OutDirectory"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>Seeds the initial weights and the data order.</summary>
    public int Seed { get; init; } = Defaults.Seed;

    /// <summary>Stream the store from disk even when it fits in memory.</summary>
    public bool Stream { get; init; }

    /// <summary><c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; init; } = Defaults.Device;

    /// <summary>The SAE folder: cfg.json, sae_weights.safetensors, training_log.jsonl, checkpoint/.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>The options by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        nameof(BatchSize) => "batch size",
        nameof(Tokens) => "training tokens",
        nameof(CheckpointEvery) => "checkpoint interval",
        nameof(LearningRate) => "learning rate",
        nameof(SparsityCoefficient) => "sparsity coefficient",
        nameof(DSae) => "d_sae",
        nameof(K) => "k",
        nameof(DeadWindow) => "dead-latent window",
        nameof(AuxKCoefficient) => "AuxK coefficient",
        nameof(KAux) => "k_aux",
        nameof(Hook) => "hook",
        nameof(Resume) => "the resume option",
        nameof(OutDirectory) => "output folder",
        _ => option,
    };

    /// <summary>Throws an <see cref="InvalidOptionException"/> for the first option out of range that needs no store to tell.</summary>
    public void Validate()
    {
        if (BatchSize <= 0) throw Refuse(n => $"{n(nameof(BatchSize))} {BatchSize}: must be a positive number of rows");
        if (Tokens <= 0) throw Refuse(n => $"{n(nameof(Tokens))} {Tokens}: must be a positive number of rows");
        if (CheckpointEvery <= 0) throw Refuse(n => $"{n(nameof(CheckpointEvery))} {CheckpointEvery}: must be a positive number of steps");
        if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
            throw Refuse(n => $"{n(nameof(LearningRate))} {Format(LearningRate)}: must be a positive number");
        if (SparsityCoefficient is { } c && !(c >= 0 && double.IsFinite(c)))
            throw Refuse(n => $"{n(nameof(SparsityCoefficient))} {Format(c)}: must not be negative");
        if (DSae is { } latents && latents <= 0) throw Refuse(n => $"{n(nameof(DSae))} {latents}: must be a positive number of latents");
        if (DeadWindow is { } window && window <= 0) throw Refuse(n => $"{n(nameof(DeadWindow))} {window}: must be a positive number of steps");
        if (AuxKCoefficient is { } aux && !(aux >= 0 && double.IsFinite(aux)))
            throw Refuse(n => $"{n(nameof(AuxKCoefficient))} {Format(aux)}: must not be negative (0 turns AuxK off)");
        if (KAux is { } kAux && kAux <= 0) throw Refuse(n => $"{n(nameof(KAux))} {kAux}: must be a positive number of latents");
    }

    internal static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
