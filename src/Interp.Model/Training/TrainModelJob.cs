namespace Interp.Model.Training;

/// <summary>
/// Training a GPT-2-architecture model from scratch (<c>interp train-model</c>): <see cref="Prepare"/> validates the
/// options, <see cref="Run"/> trains (<see cref="Gpt2Trainer"/>); re-running the same job after a cancel or a kill
/// resumes from the checkpoint in the output folder.
/// </summary>
public sealed class TrainModelJob
{
    private TrainModelJob(TrainModelOptions options) => Options = options;

    /// <summary>The options as given.</summary>
    public TrainModelOptions Options { get; }

    /// <summary>Checks the options; an <see cref="Core.InvalidOptionException"/> names the first one out of range.</summary>
    public static TrainModelJob Prepare(TrainModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new TrainModelJob(options);
    }

    /// <summary>Trains; cancelling checkpoints the steps done and throws <see cref="OperationCanceledException"/>.</summary>
    /// <exception cref="Core.InterpException">A missing or too small corpus, or a folder another process is writing.</exception>
    public TrainReport Run(Action<TrainProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new Gpt2Trainer(Options, progress).Run(cancellationToken);
}
