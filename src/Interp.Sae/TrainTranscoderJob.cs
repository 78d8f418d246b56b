using Interp.Core;
using Interp.Core.Hooks;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>
/// Training a transcoder for block L's MLP, checked before it starts: <see cref="Open"/> validates the options, loads the
/// pairs (<c>ln2.hook_normalized</c> → <c>hook_mlp_out</c>, <see cref="TranscoderActivationSource"/>), sizes the
/// transcoder and checks the output folder as <see cref="TrainSaeJob"/> does; <see cref="Run"/> trains with the SAE
/// trainer (<see cref="SaeTrainer"/>: the same losses, schedule, checkpoints, resume and folder lock), the reconstruction
/// term being ‖Transcode(x) − y‖². The folder is SAELens's transcoder layout.
/// </summary>
public sealed class TrainTranscoderJob
{
    private TrainTranscoderJob(TranscoderActivationSource source, SaeTrainingOptions training, TrainSaeStart start, double passes)
    {
        (Source, Training, Start, Passes) = (source, training, start, passes);
    }

    /// <summary>The pairs being trained on.</summary>
    public TranscoderActivationSource Source { get; }

    /// <summary>The trainer's options, with what the stores record.</summary>
    public SaeTrainingOptions Training { get; }

    /// <summary>How the run starts in its folder.</summary>
    public TrainSaeStart Start { get; }

    /// <summary>Passes over the pairs the run makes.</summary>
    public double Passes { get; }

    /// <summary>Where the checkpoint is kept (for a resume after cancellation).</summary>
    public string CheckpointFolder => Path.Combine(Training.OutDirectory, "checkpoint");

    /// <summary>Checks everything that can be checked before training; throws an <see cref="InterpException"/> (an
    /// <see cref="InvalidOptionException"/> for an option) naming what is wrong.</summary>
    public static TrainTranscoderJob Open(TrainTranscoderJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var source = TranscoderActivationSource.Open(options.Activations, options.Layer);
        var (input, output) = (source.Input, source.Output);
        var latents = options.DSae ?? TrainSaeJobOptions.ExpansionFactor * source.DIn;
        var usesK = options.Architecture.Definition().UsesK;
        if (usesK && !(options.K > 0 && options.K <= latents))
            throw TrainTranscoderJobOptions.Refuse(n => $"{n(nameof(options.K))} {options.K}: must be between 1 and d_sae={latents}");
        if (options.BatchSize > source.Rows)
            throw TrainTranscoderJobOptions.Refuse(n => $"{n(nameof(options.BatchSize))} {options.BatchSize:N0}: the stores hold only {source.Rows:N0} pairs of rows, fewer than one batch");

        var defaults = new SaeTrainingOptions { OutDirectory = "" };
        var tokens = options.Tokens;
        var training = new SaeTrainingOptions
        {
            OutDirectory = options.OutDirectory, Architecture = options.Architecture, DSae = latents, K = usesK ? options.K : defaults.K,
            SparsityCoefficient = options.SparsityCoefficient, LearningRate = options.LearningRate, TrainingTokens = tokens, BatchSize = options.BatchSize,
            CheckpointEvery = options.CheckpointEvery, Seed = options.Seed, Device = options.Device, DeadWindowSteps = options.DeadWindow,
            AuxKCoefficient = options.AuxKCoefficient ?? defaults.AuxKCoefficient, KAux = options.KAux,
            LogEvery = Math.Max(1, Math.Min(defaults.LogEvery, (int)Math.Max(1, tokens / options.BatchSize / 20))),
            HookName = input.Hook, OutputHookName = output.Hook, OutputWidth = source.DOut, Skip = options.Skip,
            ModelName = input.Model.Name, ModelWeightsSha256 = input.Model.WeightsSha256,
            ContextSize = input.Ctx, PrependBos = input.PrependBos, ModelProcessing = input.Processing,
            DatasetPath = string.Join(", ", input.Corpus.Files.Select(f => f.Name)),
        };
        training.Validate();
        var start = TrainSaeJob.CheckOutputFolder(options.OutDirectory, options.Resume, input);
        return new TrainTranscoderJob(source, training, start, source.Passes(tokens, options.BatchSize));
    }

    /// <summary>
    /// Trains; cancelling checkpoints and throws <see cref="OperationCanceledException"/>. <paramref name="note"/> hears
    /// of a recovery from <see cref="Interp.Model.TorchSharpScalarRace"/>.
    /// </summary>
    public SaeTrainResult Run(Action<SaeTrainProgress>? progress, CancellationToken cancel, Action<string>? note = null) =>
        new SaeTrainer(Training, Source, progress)
        {
            Recovered = step => note?.Invoke($"note: libtorch read a scalar TorchSharp had freed (a known TorchSharp 0.107 race); went back to step {step:N0} and continued"),
        }.Run(cancel);

    /// <summary>The default folder of block <paramref name="layer"/>'s transcoder in a run folder.</summary>
    public static string DefaultFolder(string run, int layer) => new RunLayout(run).TranscoderOf(layer);

    /// <summary>The input and output hooks of block <paramref name="layer"/>'s transcoder.</summary>
    public static (HookName Input, HookName Output) HooksOf(int layer) => (HookName.Ln2Normalized(layer), HookName.MlpOut(layer));
}
