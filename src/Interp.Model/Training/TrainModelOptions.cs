namespace Interp.Model.Training;

/// <summary>Options for training a GPT-2-architecture model from scratch (nanoGPT-style defaults for a small CPU model).</summary>
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
}
