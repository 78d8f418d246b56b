using Interp.Core;
using Interp.Core.Store;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>How a <see cref="TrainSaeJob"/> starts in its output folder.</summary>
public enum TrainSaeStart
{
    /// <summary>A new run in an empty folder.</summary>
    New,

    /// <summary>Continues from the folder's checkpoint.</summary>
    Resume,

    /// <summary>Resuming was asked for, but the folder holds no checkpoint: a new run.</summary>
    ResumeWithoutCheckpoint,
}

/// <summary>
/// Training a sparse autoencoder on one hook's activation store, checked before it starts: <see cref="Open"/> validates the
/// options, opens the store (into memory when it fits, else streamed), sizes the SAE and checks the output folder (a
/// finished or started run needs <see cref="TrainSaeJobOptions.Resume"/>; resuming needs a checkpoint made on the same
/// hook and model); <see cref="Run"/> trains (<see cref="SaeTrainer"/>).
/// </summary>
public sealed partial class TrainSaeJob : IDisposable
{
    private TrainSaeJob(StoreActivationSource source, SaeTrainingOptions training, TrainSaeStart start, double passes)
    {
        Source = source;
        Training = training;
        Start = start;
        Passes = passes;
    }

    /// <summary>The store being trained on (owned by the job).</summary>
    public StoreActivationSource Source { get; }

    /// <summary>The trainer's options, with what the store records (hook, model, corpus).</summary>
    public SaeTrainingOptions Training { get; }

    /// <summary>How the run starts in its folder.</summary>
    public TrainSaeStart Start { get; }

    /// <summary>Passes over the store the run makes.</summary>
    public double Passes { get; }

    /// <summary>Where the checkpoint is kept (for a resume after cancellation).</summary>
    public string CheckpointFolder => Path.Combine(Training.OutDirectory, "checkpoint");

    /// <summary>Checks everything that can be checked before training; throws an <see cref="InterpException"/> (an
    /// <see cref="InvalidOptionException"/> for an option) naming what is wrong.</summary>
    public static TrainSaeJob Open(TrainSaeJobOptions options)
    {
        options.Validate();
        var source = StoreActivationSource.Open(options.Activations, options.Hook, inMemory: options.Stream ? false : null);
        try
        {
            var training = Plan(options, source);
            var start = CheckOutputFolder(options.OutDirectory, options.Resume, source.Manifest);
            return new TrainSaeJob(source, training, start, source.Passes(options.Tokens, options.BatchSize));
        }
        catch
        {
            source.Dispose();
            throw;
        }
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

    /// <summary>Closes the store.</summary>
    public void Dispose() => Source.Dispose();

    private static SaeTrainingOptions Plan(TrainSaeJobOptions options, StoreActivationSource source)
    {
        var manifest = source.Manifest;
        if (options.Hook is { } wanted && wanted != manifest.Hook)
            throw TrainSaeJobOptions.Refuse(n => $"{source.Reader.Folder}: the store holds {manifest.Hook}, not {n(nameof(options.Hook))} {wanted}");
        var latents = options.DSae ?? TrainSaeJobOptions.ExpansionFactor * source.D;
        var architecture = options.Architecture;
        var usesK = architecture.Definition().UsesK;
        if (usesK && !(options.K > 0 && options.K <= latents))
            throw TrainSaeJobOptions.Refuse(n => $"{n(nameof(options.K))} {options.K}: must be between 1 and d_sae={latents} for {architecture.ToSaeLensName()}");
        var (batchSize, tokens) = (options.BatchSize, options.Tokens);
        if (batchSize > source.Rows)
            throw TrainSaeJobOptions.Refuse(n => $"{n(nameof(options.BatchSize))} {batchSize:N0}: the store {source.Reader.Folder} holds only {source.Rows:N0} activation rows{(source.Reader.BosRows > 0 ? " besides its BOS rows" : "")}, fewer than one batch");

        var defaults = new SaeTrainingOptions { OutDirectory = "" };
        var training = new SaeTrainingOptions
        {
            OutDirectory = options.OutDirectory, Architecture = architecture, DSae = latents, K = usesK ? options.K : defaults.K,
            SparsityCoefficient = options.SparsityCoefficient, LearningRate = options.LearningRate, TrainingTokens = tokens, BatchSize = batchSize,
            CheckpointEvery = options.CheckpointEvery, Seed = options.Seed, Device = options.Device, DeadWindowSteps = options.DeadWindow,
            AuxKCoefficient = options.AuxKCoefficient ?? defaults.AuxKCoefficient, KAux = options.KAux,
            LogEvery = Math.Max(1, Math.Min(defaults.LogEvery, (int)Math.Max(1, tokens / batchSize / 20))),     // about 20 reports on a short run
            HookName = manifest.Hook, ModelName = manifest.Model.Name, ModelWeightsSha256 = manifest.Model.WeightsSha256,
            ContextSize = manifest.Ctx, PrependBos = manifest.PrependBos, ModelProcessing = manifest.Processing,
            DatasetPath = string.Join(", ", manifest.Corpus.Files.Select(f => f.Name)),
        };
        training.Validate();
        return training;
    }

    /// <summary>
    /// A finished or started run in <paramref name="outDir"/> needs a resume; resuming needs a checkpoint made on
    /// activations of the same hook and model as the store.
    /// </summary>
    internal static TrainSaeStart CheckOutputFolder(string outDir, bool resume, ActivationManifest manifest)
    {
        var checkpoint = new[] { "checkpoint", "checkpoint.tmp", "checkpoint.old" }.Select(d => Path.Combine(outDir, d))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "state.json")));
        var finished = File.Exists(Path.Combine(outDir, SaeFolder.ConfigFileName));
        if (!resume)
        {
            if (checkpoint is not null || finished)
                throw TrainSaeJobOptions.Refuse(n =>
                    $"{outDir} already holds an SAE training run; pass {n(nameof(TrainSaeJobOptions.Resume))} to continue it, or choose another {n(nameof(TrainSaeJobOptions.OutDirectory))}");
            return TrainSaeStart.New;
        }
        if (checkpoint is null)
        {
            if (finished)
                throw TrainSaeJobOptions.Refuse(n => $"{outDir}: holds an SAE but no checkpoint to resume from; choose another {n(nameof(TrainSaeJobOptions.OutDirectory))}");
            return TrainSaeStart.ResumeWithoutCheckpoint;
        }
        var config = SaeConfig.Load(Path.Combine(checkpoint, SaeFolder.ConfigFileName));
        if (config.HookName != manifest.Hook)
            throw new InterpException($"{checkpoint}: this run trains on {config.HookName}, but the store holds {manifest.Hook}; resume with the run's own store");
        if (config.ModelWeightsSha256 is { } sha && sha != manifest.Model.WeightsSha256)
            throw new InterpException($"{checkpoint}: this run trains on activations of model {config.ModelName} (weights sha256 {Short(sha)}), " +
                                      $"but the store comes from model {manifest.Model.Name} (weights sha256 {Short(manifest.Model.WeightsSha256)}); resume with the run's own store");
        return TrainSaeStart.Resume;
    }

    private static string Short(string sha) => sha[..Math.Min(12, sha.Length)] + "…";
}
