using System.Globalization;
using Interp.Core;

namespace Interp.Model.Training;

/// <summary>
/// What <see cref="TrainModelJob"/> trains (a GPT-2-architecture model from scratch), with nanoGPT-style defaults for a
/// small CPU model. The properties are the checkpoint's fingerprint: adding one stops older checkpoints from resuming.
/// </summary>
public sealed record TrainModelOptions
{
    public required IReadOnlyList<string> Corpora { get; init; }
    public required string OutDirectory { get; init; }
    public int NLayer { get; init; } = 4;
    public int NHead { get; init; } = 4;
    public int NEmbd { get; init; } = 128;
    public int Context { get; init; } = 256;
    public int BatchSize { get; init; } = 8;
    public int MaxSteps { get; init; } = 4000;
    public double LearningRate { get; init; } = 3e-3;
    public double MinLearningRate { get; init; } = 3e-4;
    public int WarmupSteps { get; init; } = 200;
    public double WeightDecay { get; init; } = 0.1;
    public double GradClip { get; init; } = 1.0;
    public double HeldOutFraction { get; init; } = 0.1;
    public int EvalEvery { get; init; } = 250;
    public int CheckpointEvery { get; init; } = 100;
    public long Seed { get; init; } = 1337;
    /// <summary>F16 halves the saved model's size; training itself is float32.</summary>
    public bool SaveFloat16 { get; init; } = true;

    /// <summary>The floor of the cosine decay for a peak learning rate: a tenth of it (nanoGPT's min_lr).</summary>
    public static double MinLearningRateFor(double learningRate) => learningRate / 10;

    /// <summary>The options by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        nameof(Corpora) => "corpus",
        nameof(NLayer) => "layers",
        nameof(NHead) => "attention heads",
        nameof(NEmbd) => "model width",
        nameof(Context) => "context length",
        nameof(BatchSize) => "batch size",
        nameof(MaxSteps) => "training steps",
        nameof(LearningRate) => "learning rate",
        nameof(WarmupSteps) => "warm-up steps",
        nameof(EvalEvery) => "held-out evaluation interval",
        nameof(CheckpointEvery) => "checkpoint interval",
        nameof(HeldOutFraction) => "held-out fraction",
        _ => OutputPath.Meaning(option),
    };

    /// <summary>Throws an <see cref="InvalidOptionException"/> for the first option out of range that needs no corpus to tell.</summary>
    public void Validate()
    {
        if (Corpora.Count == 0) throw Refuse(n => $"no corpus given: pass at least one {n(nameof(Corpora))} FILE");
        foreach (var (name, value) in new[] { (nameof(NLayer), NLayer), (nameof(NHead), NHead), (nameof(NEmbd), NEmbd), (nameof(Context), Context),
                     (nameof(BatchSize), BatchSize), (nameof(MaxSteps), MaxSteps), (nameof(EvalEvery), EvalEvery), (nameof(CheckpointEvery), CheckpointEvery) })
            if (value < 1) throw Refuse(n => $"{n(name)} {value}: must be at least 1");
        if (NEmbd % NHead != 0) throw Refuse(n => $"{n(nameof(NEmbd))} {NEmbd}: must be a multiple of {n(nameof(NHead))} {NHead}");
        if (WarmupSteps < 0) throw Refuse(n => $"{n(nameof(WarmupSteps))} {WarmupSteps}: must not be negative");
        if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
            throw Refuse(n => $"{n(nameof(LearningRate))} {LearningRate.ToString(CultureInfo.InvariantCulture)}: must be a positive number");
        if (HeldOutFraction is <= 0 or >= 1)
            throw Refuse(n => $"{n(nameof(HeldOutFraction))} must be in (0, 1), got {HeldOutFraction}");
    }

    internal static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);
}
