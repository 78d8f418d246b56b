using System.Diagnostics;
using System.Text.Json;
using Interp.Core;
using Interp.Core.Safetensors;
using Interp.Core.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Model.Training;

/// <summary>Progress of a training run, reported every few steps.</summary>
public sealed record TrainProgress(int Step, int MaxSteps, long Tokens, double Loss, double LearningRate, double TokensPerSecond, double? HeldOutLoss)
    : IJobProgress
{
    long IJobProgress.Done => Step;
    long IJobProgress.Total => MaxSteps;

    /// <inheritdoc />
    public string Describe() =>
        FormattableString.Invariant($"step {Step}/{MaxSteps}, loss {Loss:F4}, {TokensPerSecond:F0} tok/s") + (HeldOutLoss is { } h ? FormattableString.Invariant($", held-out {h:F4}") : "");
}

/// <summary>What a finished run measured: the saved model's held-out loss next to the count-based baselines.</summary>
public sealed record TrainReport(
    Gpt2Config Config, int Steps, long TrainTokensSeen, int TrainTokens, int HeldOutTokens, double HeldOutLoss,
    NGramBaselines Baselines, IReadOnlyList<CorpusFileInfo> Corpora, double TrainSeconds);

/// <summary>
/// Trains a GPT-2-architecture model from scratch with the GPT-2 tokenizer (nanoGPT recipe: AdamW, linear warm-up then
/// cosine decay, weight decay on matrices only, gradient clipping). Checkpoints every few steps into
/// <c>OUT/checkpoint</c> (swapped in whole, see <see cref="CheckpointFolder"/>) and resumes from it when run again;
/// logs to <c>OUT/training_log.jsonl</c> (snake_case keys); writes a Hugging Face folder to <c>OUT</c> at the end.
/// </summary>
public sealed class Gpt2Trainer(TrainModelOptions options, Action<TrainProgress>? progress = null)
{
    private const int EvalWindowsDuringTraining = 48;
    private const string ModelFileName = "model.safetensors";
    private const string OptimizerFileName = "optimizer.bin";
    private readonly CheckpointFolder _checkpoint = new(Path.Combine(options.OutDirectory, "checkpoint"), "model");
    private readonly JsonlLog _log = new(Path.Combine(options.OutDirectory, JsonlLog.TrainingLogFileName));

    /// <summary>Trains to <see cref="TrainModelOptions.MaxSteps"/>; cancelling checkpoints the steps done and throws <see cref="OperationCanceledException"/>.</summary>
    public TrainReport Run(CancellationToken cancellationToken = default)
    {
        NativeMemory.KeepLargeBlocks();
        var tokenizer = Gpt2Tokenizer.Default;
        var corpus = TrainingCorpus.Load(options.Corpora, tokenizer, options.HeldOutFraction);
        if (corpus.Train.Length < options.Context + 2 || corpus.HeldOut.Length < options.Context + 2)
            throw TrainModelOptions.Refuse(n => $"corpus too small for {n(nameof(options.Context))} {options.Context}: {corpus.Train.Length} training, {corpus.HeldOut.Length} held-out tokens");
        using var folderLock = FolderLock.Acquire(options.OutDirectory);        // one writer per model folder
        var config = new Gpt2Config(VocabSize: tokenizer.VocabSize, NPositions: options.Context, NEmbd: options.NEmbd,
            NLayer: options.NLayer, NHead: options.NHead);

        manual_seed(options.Seed);
        using var model = new Gpt2(config) { SourceDirectory = RepoPaths.DataFile("tokenizer/gpt2") };
        InitialiseWeights(model, config);
        using var optimizer = CreateOptimizer(model);
        var startStep = TryResume(model, optimizer);

        var stopwatch = Stopwatch.StartNew();
        var (tokensPerStep, runningLoss, sinceReport) = ((long)options.BatchSize * options.Context, 0.0, 0);
        var reportClock = Stopwatch.StartNew();
        model.train();
        for (var step = startStep; step < options.MaxSteps; step++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                if (step > startStep) SaveCheckpoint(model, optimizer, step);                // the steps done are kept for a resume
                cancellationToken.ThrowIfCancellationRequested();
            }
            var learningRate = LearningRateAt(step);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
            using (var scope = NewDisposeScope())
            {
                var (x, y) = Batch(corpus.Train, step);                                   // (B, T) each
                optimizer.zero_grad();
                var hidden = model.Run(x, stopAtLayer: config.NLayer + 1);                // (B, T, d) after ln_f
                runningLoss += ChunkedLmLoss.ForwardBackward(hidden, model.TokenEmbedding, y);
                nn.utils.clip_grad_norm_(model.parameters(), options.GradClip);
                optimizer.step();
                sinceReport++;
            }

            var done = step + 1;
            double? heldOut = done % options.EvalEvery == 0 || done == options.MaxSteps
                ? HeldOutLoss(model, corpus.HeldOut, EvalWindowsDuringTraining) : null;
            if (done % 10 == 0 || heldOut is not null || done == options.MaxSteps)
            {
                var report = new TrainProgress(done, options.MaxSteps, done * tokensPerStep, runningLoss / sinceReport,
                    learningRate, sinceReport * tokensPerStep / reportClock.Elapsed.TotalSeconds, heldOut);
                _log.Append(report);
                progress?.Invoke(report);
                (runningLoss, sinceReport) = (0, 0);
                reportClock.Restart();
            }
            if (done % options.CheckpointEvery == 0 || done == options.MaxSteps) SaveCheckpoint(model, optimizer, done);
        }

        // The report describes the saved folder: reload it (F16 when asked) and measure it on the whole held-out split.
        model.SaveHuggingFace(options.OutDirectory, options.SaveFloat16 ? SafetensorsDtype.F16 : SafetensorsDtype.F32);
        using var saved = Gpt2.Load(options.OutDirectory);
        var finalLoss = HeldOutLoss(saved, corpus.HeldOut, int.MaxValue);
        var baselines = NGramBaselines.Compute(corpus.Train, HeldOutPairs(corpus.HeldOut), config.VocabSize);
        var result = new TrainReport(config, options.MaxSteps, options.MaxSteps * tokensPerStep, corpus.Train.Length,
            corpus.HeldOut.Length, finalLoss, baselines, corpus.Files, stopwatch.Elapsed.TotalSeconds);
        AtomicFile.WriteAllText(Path.Combine(options.OutDirectory, "training_report.json"),
            JsonSerializer.Serialize(result, JsonDefaults.SnakeCaseIndented));
        return result;
    }

    /// <summary>Linear warm-up to the peak rate, then cosine decay to the minimum at the last step.</summary>
    public double LearningRateAt(int step)
    {
        if (step < options.WarmupSteps) return options.LearningRate * (step + 1) / options.WarmupSteps;
        var progress = (step - options.WarmupSteps) / (double)Math.Max(1, options.MaxSteps - options.WarmupSteps);
        return options.MinLearningRate + 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress))) * (options.LearningRate - options.MinLearningRate);
    }

    /// <summary>
    /// Mean next-token cross-entropy (nats) over non-overlapping held-out windows: all of them, or <paramref name="maxWindows"/>
    /// spread evenly over the split (the first few windows would all come from the first corpus file and flatter the model).
    /// </summary>
    public static double HeldOutLoss(Gpt2 model, int[] heldOut, int maxWindows)
    {
        var context = model.Config.NPositions;
        var available = (heldOut.Length - 1) / context;
        var windows = Math.Min(maxWindows, available);
        int WindowStart(int i) => (int)((long)i * available / windows) * context;
        var (total, count) = (0.0, 0L);
        var wasTraining = model.training;
        model.eval();
        using (no_grad())
        {
            for (var start = 0; start < windows; start += 8)
            {
                using var scope = NewDisposeScope();
                var rows = Math.Min(8, windows - start);
                var starts = Enumerable.Range(start, rows).Select(WindowStart).ToArray();
                var x = WindowTensor(heldOut, starts, context, 0);                                  // (rows, T)
                var y = WindowTensor(heldOut, starts, context, 1);
                var hidden = model.Run(x, stopAtLayer: model.Config.NLayer + 1);                // (rows, T, d)
                total += ChunkedLmLoss.Sum(hidden, model.TokenEmbedding, y);
                count += rows * context;
            }
        }
        model.train(wasTraining);
        return total / count;
    }

    private IReadOnlyList<(int, int)> HeldOutPairs(int[] heldOut)
    {
        var context = options.Context;
        var windows = (heldOut.Length - 1) / context;
        var pairs = new List<(int, int)>(windows * context);
        for (var w = 0; w < windows; w++)
            for (var t = 0; t < context; t++)
                pairs.Add((t == 0 ? -1 : heldOut[w * context + t], heldOut[w * context + t + 1]));
        return pairs;
    }

    /// <summary>Random training windows for one step, drawn from a generator seeded by (seed, step): resumable and repeatable.</summary>
    private (Tensor X, Tensor Y) Batch(int[] train, int step)
    {
        var random = new Random(StepSeed(options.Seed, step));
        var x = new long[options.BatchSize * options.Context];
        var y = new long[x.Length];
        for (var b = 0; b < options.BatchSize; b++)
        {
            var offset = random.Next(0, train.Length - options.Context - 1);
            for (var t = 0; t < options.Context; t++)
            {
                x[b * options.Context + t] = train[offset + t];
                y[b * options.Context + t] = train[offset + t + 1];
            }
        }
        return (tensor(x, [options.BatchSize, options.Context]), tensor(y, [options.BatchSize, options.Context]));
    }

    /// <summary>A seed for one step's batch, the same in every process (HashCode.Combine is salted per process).</summary>
    private static int StepSeed(long seed, int step)
    {
        var z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)step;   // SplitMix64 finaliser
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    /// <summary>Rows of <paramref name="context"/> tokens starting at each offset (+ shift): (rows, T).</summary>
    private static Tensor WindowTensor(int[] tokens, int[] offsets, int context, int shift)
    {
        var data = new long[offsets.Length * context];
        for (var r = 0; r < offsets.Length; r++)
            for (var t = 0; t < context; t++) data[r * context + t] = tokens[offsets[r] + t + shift];
        return tensor(data, [offsets.Length, context]);
    }

    /// <summary>
    /// GPT-2's initialisation: N(0, 0.02) for matrices and embeddings, residual projections scaled by 1/√(2·n_layer),
    /// LayerNorm gains 1, biases 0 (drawn from libtorch's global generator; also the tests' random real-size models).
    /// </summary>
    public static void InitialiseWeights(Gpt2 model, Gpt2Config config)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
            else if (name.Contains("ln_", StringComparison.Ordinal)) parameter.fill_(1);
            else parameter.normal_(0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? 0.02 / Math.Sqrt(2 * config.NLayer) : 0.02);
        }
    }

    private AdamW CreateOptimizer(Gpt2 model)
    {
        var decay = model.parameters().Where(p => p.dim() >= 2).ToArray();
        var noDecay = model.parameters().Where(p => p.dim() < 2).ToArray();
        return optim.AdamW(
        [
            new AdamW.ParamGroup(decay, new AdamW.Options { LearningRate = options.LearningRate, weight_decay = options.WeightDecay, beta1 = 0.9, beta2 = 0.95 }),
            new AdamW.ParamGroup(noDecay, new AdamW.Options { LearningRate = options.LearningRate, weight_decay = 0, beta1 = 0.9, beta2 = 0.95 }),
        ], options.LearningRate);
    }

    private string OptionsFingerprint() =>
        CheckpointFolder.Fingerprint(options with { OutDirectory = "", MaxSteps = 0, EvalEvery = 0, CheckpointEvery = 0 });

    /// <summary>Weights, optimizer state and the step, swapped in whole: a kill never leaves a mixed checkpoint.</summary>
    private void SaveCheckpoint(Gpt2 model, AdamW optimizer, int step) =>
        _checkpoint.Save(new CheckpointState(step, OptionsFingerprint()), staging =>
        {
            model.SaveHuggingFace(staging, SafetensorsDtype.F32);
            optimizer.save_state_dict(Path.Combine(staging, OptimizerFileName));
        });

    /// <summary>The step to start at: the newest checkpoint's (weights and optimizer loaded, the log cut back to it), else 0.</summary>
    private int TryResume(Gpt2 model, AdamW optimizer)
    {
        var latest = _checkpoint.FindLatest<CheckpointState>(OptionsFingerprint());
        if (latest is null)
        {
            _log.Delete();
            return 0;
        }
        var (dir, state) = latest.Value;
        using (var weights = SafetensorsFile.Open(Path.Combine(dir, ModelFileName))) model.LoadWeights(weights);
        optimizer.load_state_dict(Path.Combine(dir, OptimizerFileName));
        _log.TruncateAfter(state.Step);                                                         // those steps run again
        Console.Error.WriteLine($"resuming from {dir} at step {state.Step}");
        return state.Step;
    }

    /// <summary><c>state.json</c>: names as declared (PascalCase), as checkpoints have always been written.</summary>
    private sealed record CheckpointState(int Step, string Fingerprint) : ICheckpointState;
}
