using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Interp.Core;
using Interp.Core.Safetensors;
using Interp.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>
/// Progress of an SAE training run: one line of <c>training_log.jsonl</c> (snake_case keys; <c>lr</c> for the learning
/// rate) and what the progress callback receives. Loss terms, L0 and explained variance are means over the steps since
/// the previous report, in normalised units (see <see cref="SaeStepOutput"/>).
/// </summary>
/// <param name="Step">Steps completed.</param>
/// <param name="TotalSteps">Steps the run will take.</param>
/// <param name="Tokens">Activation rows trained on so far.</param>
/// <param name="Loss">The total loss.</param>
/// <param name="Mse">The reconstruction term (‖x̂ − x‖² summed over d_in).</param>
/// <param name="SparsityLoss">The L1 / L0 term (relu, jumprelu).</param>
/// <param name="AuxLoss">The AuxK term (topk, batchtopk).</param>
/// <param name="L0">Active latents per token.</param>
/// <param name="ExplainedVariance">1 − FVU.</param>
/// <param name="DeadFraction">Fraction of latents that have not fired within the dead-latent window.</param>
/// <param name="LearningRate">The learning rate at the last step.</param>
/// <param name="SparsityCoefficient">The sparsity coefficient at the last step (after its warm-up).</param>
/// <param name="TokensPerSecond">Training throughput since the previous report.</param>
public sealed record SaeTrainProgress(
    int Step, int TotalSteps, long Tokens, double Loss, double Mse, double SparsityLoss, double AuxLoss, double L0,
    double ExplainedVariance, double DeadFraction, [property: JsonPropertyName("lr")] double LearningRate,
    double SparsityCoefficient, double TokensPerSecond) : IJobProgress
{
    // Explicit, so training_log.jsonl keeps its keys.
    long IJobProgress.Done => Step;
    long IJobProgress.Total => TotalSteps;

    /// <summary>One plain line: step, loss, L0, explained variance, dead fraction and throughput.</summary>
    public string Describe() =>
        $"step {Step:N0}/{TotalSteps:N0} | loss {Loss:F4} | L0 {L0:F1} | expl. var. {ExplainedVariance:F3} | dead {DeadFraction:P1} | {TokensPerSecond:N0} tokens/s";
}

/// <summary>A finished run: the trained SAE (saved in <see cref="Directory"/>; the caller disposes it) and its totals.</summary>
/// <param name="Sae">The trained SAE, owned by the caller.</param>
/// <param name="Directory">The SAE folder written.</param>
/// <param name="Steps">Steps completed (fewer than planned when the source ran out).</param>
/// <param name="Tokens">Rows trained on.</param>
/// <param name="Seconds">Wall time of this call.</param>
/// <param name="Last">The last progress report.</param>
public sealed record SaeTrainResult(SparseAutoencoder Sae, string Directory, int Steps, long Tokens, double Seconds, SaeTrainProgress? Last) : IDisposable
{
    /// <summary>Disposes <see cref="Sae"/>.</summary>
    public void Dispose() => Sae.Dispose();
}

/// <summary>
/// Trains a <see cref="SparseAutoencoder"/> on an <see cref="IActivationSource"/> (SAELens's recipe): inputs scaled so
/// E‖x‖² = d_in, b_dec at the geometric median, W_enc = W_decᵀ, Adam with LR warm-up and decay, sparsity-coefficient
/// warm-up, unit-norm decoder rows (parallel gradient removed before each step, rows renormalised after), dead-latent
/// tracking over a token window, AuxK for topk/batchtopk. Writes <c>OUT/training_log.jsonl</c>, checkpoints into
/// <c>OUT/checkpoint</c> (swapped in whole, so a kill never leaves a mixed one) and resumes from it when run again with
/// the same options; the final SAE is <c>OUT/cfg.json</c> + <c>OUT/sae_weights.safetensors</c>. A NaN or Inf loss or
/// gradient stops the run with an <see cref="InterpException"/> naming the step, after checkpointing the last good state.
/// </summary>
public sealed class SaeTrainer
{
    /// <summary>The training log's file name in the output folder.</summary>
    public const string LogFileName = "training_log.jsonl";

    private static readonly JsonSerializerOptions LogJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly SaeTrainingOptions _options;
    private readonly IActivationSource _source;
    private readonly Action<SaeTrainProgress>? _progress;

    /// <summary>A trainer; nothing runs until <see cref="Run"/>.</summary>
    /// <param name="options">What to train and how.</param>
    /// <param name="source">The activations.</param>
    /// <param name="progress">Called on the training thread every <see cref="SaeTrainingOptions.LogEvery"/> steps.</param>
    public SaeTrainer(SaeTrainingOptions options, IActivationSource source, Action<SaeTrainProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        options.Validate();
        _options = options;
        _source = source;
        _progress = progress;
    }

    /// <summary>The folder the latest checkpoint lives in.</summary>
    public string CheckpointDirectory => Path.Combine(_options.OutDirectory, "checkpoint");

    /// <summary>The training log's path.</summary>
    public string LogPath => Path.Combine(_options.OutDirectory, LogFileName);

    /// <summary>The number of latents this run trains.</summary>
    public int DSae => _options.DSae ?? _options.ExpansionFactor * _source.D;

    /// <summary>The learning rate at (0-based) <paramref name="step"/>: linear warm-up, then the configured decay.</summary>
    public double LearningRateAt(int step)
    {
        var (peak, total, warmup) = (_options.LearningRate, _options.TotalSteps, Math.Min(_options.WarmupSteps, _options.TotalSteps));
        if (step < warmup) return peak * (step + 1) / warmup;
        var floor = _options.MinLearningRateFraction;
        switch (_options.Decay)
        {
            case LearningRateDecay.Linear:
                var decaySteps = (int)Math.Round(_options.DecayFraction * total);
                var decayStart = Math.Max(warmup, total - decaySteps);
                if (step < decayStart || total <= decayStart) return peak;
                var remaining = (total - step) / (double)(total - decayStart);                 // 1 → 1/decaySteps
                return peak * (floor + (1 - floor) * remaining);
            case LearningRateDecay.Cosine:
                var progress = (step - warmup) / (double)Math.Max(1, total - warmup);
                return peak * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress))));
            default:
                return peak;
        }
    }

    /// <summary>The sparsity coefficient at (0-based) <paramref name="step"/>: a linear ramp from 0 over the warm-up.</summary>
    public double SparsityCoefficientAt(int step)
    {
        var warmup = _options.SparsityWarmupSteps ?? _options.TotalSteps / 20;
        var full = _options.EffectiveSparsityCoefficient;
        return warmup <= 0 ? full : full * Math.Min(1.0, (step + 1) / (double)warmup);
    }

    /// <summary>
    /// Trains (or resumes and finishes) the run. On cancellation the state is checkpointed and
    /// <see cref="OperationCanceledException"/> thrown; running again resumes. Runs on the calling thread.
    /// </summary>
    public SaeTrainResult Run(CancellationToken cancellationToken = default)
    {
        Interp.Model.NativeMemory.KeepLargeBlocks();
        var device = DeviceSelection.Resolve(_options.Device);
        var clock = Stopwatch.StartNew();
        using var folderLock = FolderLock.Acquire(_options.OutDirectory);      // one writer per SAE folder

        var state = TryResume(device) ?? Start(device);
        try
        {
            var last = Train(state, cancellationToken);
            var sae = state.Sae;
            sae.zero_grad();                                                                    // release the gradients
            sae.Save(_options.OutDirectory);
            sae.SourceDirectory = _options.OutDirectory;
            state.Dispose(keepSae: true);
            return new SaeTrainResult(sae, _options.OutDirectory, state.Step, state.Tokens, clock.Elapsed.TotalSeconds, last);
        }
        catch
        {
            state.Dispose(keepSae: false);
            throw;
        }
    }

    private SaeTrainProgress? Train(RunState state, CancellationToken cancellationToken)
    {
        var total = _options.TotalSteps;
        var kAux = _options.KAux ?? Math.Max(1, _source.D / 2);
        var scale = (float)state.Sae.Config.InputScale;
        var parameters = state.Sae.TrainableParameters();
        SaeTrainProgress? last = null;
        var interval = new Interval();
        var intervalClock = Stopwatch.StartNew();

        using var batches = _source.Batches(_options.BatchSize, _options.Seed, state.Step).GetEnumerator();
        while (state.Step < total)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                SaveCheckpoint(state);
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (!batches.MoveNext()) break;
            var batch = batches.Current;
            if (batch.Length == 0 || batch.Length % _source.D != 0)
                throw new InterpException($"activation batch {state.Step} has {batch.Length} floats, not a whole number of rows of width {_source.D}");
            var rows = batch.Length / _source.D;
            var step = state.Step;                                                             // 0-based index of this step
            var learningRate = LearningRateAt(step);
            var coefficient = SparsityCoefficientAt(step);
            foreach (var group in state.Optimizer.ParamGroups) group.LearningRate = learningRate;

            SaeStepOutput output;
            using (var scope = NewDisposeScope())
            {
                var x = tensor(batch, [rows, _source.D], device: state.Sae.Device);            // [B, d_in], model units
                if (scale != 1f) x = x * scale;                                                 // normalised units
                state.Optimizer.zero_grad();
                var deadMask = state.TokensSinceFired.ge(_options.DeadTokensWindow);           // [d_sae]
                var input = new SaeStepInput(x)
                {
                    SparsityCoefficient = coefficient,
                    DeadMask = deadMask,
                    KAux = kAux,
                    AuxKCoefficient = _options.AuxKCoefficient,
                    JumpReluBandwidth = _options.JumpReluBandwidth,
                };
                var (loss, latents, stepOutput) = state.Sae.TrainingForward(input);
                output = stepOutput;
                if (!double.IsFinite(output.Loss)) StopOnNonFinite(state, $"the loss is {output.Loss}");
                loss.backward();
                if (!GradientsAreFinite(parameters)) StopOnNonFinite(state, "a gradient is not finite");
                state.Sae.RemoveParallelDecoderGradient();
                state.Optimizer.step();
                state.Sae.NormalizeDecoderRows();
                state.Sae.UpdateThresholdEstimate(latents, _options.BatchTopKThresholdRate);            // BatchTopK only
                using (no_grad())
                {
                    var fired = latents.gt(0).any(0);                                           // [d_sae]
                    state.TokensSinceFired.add_(rows).masked_fill_(fired, 0);
                }
            }
            state.Step++;
            state.Tokens += rows;
            interval.Add(output, rows);

            if (state.Step % _options.LogEvery == 0 || state.Step == total)
            {
                var seconds = intervalClock.Elapsed.TotalSeconds;
                last = interval.Report(state.Step, total, state.Tokens, DeadFraction(state), learningRate, coefficient, seconds);
                AppendLog(last);
                _progress?.Invoke(last);
                interval = new Interval();
                intervalClock.Restart();
            }
            if (state.Step % _options.CheckpointEvery == 0 && state.Step != total)
            {
                SaveCheckpoint(state);
                intervalClock.Restart();
            }
        }
        if (state.Sae.Architecture.CalibratesThreshold) CalibrateThreshold(state, batches, scale);
        if (interval.Steps > 0)
        {
            last = interval.Report(state.Step, total, state.Tokens, DeadFraction(state), LearningRateAt(Math.Max(0, state.Step - 1)),
                SparsityCoefficientAt(Math.Max(0, state.Step - 1)), intervalClock.Elapsed.TotalSeconds);
            AppendLog(last);
            _progress?.Invoke(last);
        }
        SaveCheckpoint(state);
        return last;
    }

    /// <summary>
    /// BatchTopK's inference threshold for the final weights: the mean, over the next batches of the data, of the
    /// smallest activation BatchTopK keeps (Bussmann et al. 2024), replacing the moving average kept during training
    /// (which lags behind the changing weights). Keeps the moving average when the data has run out.
    /// </summary>
    private void CalibrateThreshold(RunState state, IEnumerator<float[]> batches, float scale)
    {
        var cutoffs = new List<double>();
        using var noGrad = no_grad();
        for (var i = 0; i < _options.ThresholdCalibrationBatches && batches.MoveNext(); i++)
        {
            var batch = batches.Current;
            using var scope = NewDisposeScope();
            var x = tensor(batch, [batch.Length / _source.D, _source.D], device: state.Sae.Device);
            if (scale != 1f) x = x * scale;
            var latents = state.Sae.Architecture.CalibrationLatents(state.Sae, state.Sae.PreActivationsNormalized(x));
            if (SaeActivations.MinimumPositive(latents) is { } cutoff && float.IsFinite(cutoff)) cutoffs.Add(cutoff);
        }
        if (cutoffs.Count > 0) state.Sae.SetThresholdEstimate(cutoffs.Average());
    }

    /// <summary>Checkpoints the state before the failing step (the weights are untouched by it), then stops the run.</summary>
    private void StopOnNonFinite(RunState state, string what)
    {
        string saved;
        try
        {
            SaveCheckpoint(state);
            saved = $"the last good state (step {state.Step}) is saved in {CheckpointDirectory}";
        }
        catch (InterpException e)
        {
            saved = $"the checkpoint was not updated ({e.Message})";
        }
        throw new InterpException(
            $"SAE training stopped at step {state.Step + 1}: {what}; {saved}. Check the activations for NaN/Inf values or lower the learning rate");
    }

    private static bool GradientsAreFinite(IReadOnlyList<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        foreach (var p in parameters)
            if (p.grad is { } g && !g.isfinite().all().item<bool>()) return false;
        return true;
    }

    private double DeadFraction(RunState state)
    {
        using var scope = NewDisposeScope();
        return state.TokensSinceFired.ge(_options.DeadTokensWindow).sum().item<long>() / (double)state.Sae.DSae;
    }

    /// <summary>A fresh run: scale factor and b_dec from the first rows, a new SAE, a new optimizer, an empty log.</summary>
    private RunState Start(Device device)
    {
        var d = _source.D;
        var sample = new List<float>();
        foreach (var batch in _source.Batches(_options.BatchSize, _options.Seed))
        {
            sample.AddRange(batch);
            if (sample.Count >= (long)_options.InitSamples * d) break;
        }
        var rows = Math.Min(sample.Count / d, _options.InitSamples);
        if (rows == 0) throw new InterpException("SAE training: the activation source gave no rows");
        var data = CollectionsMarshal.AsSpan(sample)[..(rows * d)];
        foreach (var v in data)
            if (!float.IsFinite(v))
                throw new InterpException($"SAE training: the first {rows} activation rows contain a non-finite value ({v}); the scale and b_dec cannot be estimated");

        double? scale = null;
        if (_options.NormalizeActivations)
        {
            var s = SaeInit.ScalingFactor(data, d);
            if (!double.IsFinite(s)) throw new InterpException($"SAE training: the first {rows} activation rows are all zero; cannot normalise them");
            scale = s;
        }
        var config = new SaeConfig
        {
            Architecture = _options.Architecture,
            DIn = d,
            DSae = DSae,
            K = _options.Architecture.Definition().UsesK ? _options.K : 0,
            HookName = _options.HookName,
            HookLayer = SaeConfig.LayerOf(_options.HookName),
            ModelName = _options.ModelName,
            ModelWeightsSha256 = _options.ModelWeightsSha256,
            PrependBos = _options.PrependBos,
            ContextSize = _options.ContextSize,
            DatasetPath = _options.DatasetPath,
            Device = device.type == DeviceType.CUDA ? "cuda" : "cpu",
            NormalizeActivations = scale is null ? SaeConfig.NormalizeNone : SaeConfig.NormalizeExpectedAverage,
            ScalingFactor = scale,
        };
        config.Validate("SAE training");

        var sae = SparseAutoencoder.Create(config, device, _options.Seed, _options.JumpReluInitialThreshold);
        try
        {
            if (_options.DecoderBiasInit != DecoderBiasInit.Zeros)
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                var points = tensor(data.ToArray(), [rows, d]) * (float)(scale ?? 1.0);
                var origin = _options.DecoderBiasInit == DecoderBiasInit.GeometricMedian
                    ? SaeInit.GeometricMedian(points, _options.GeometricMedianIterations)
                    : points.mean([0]);
                sae.DecoderBias.copy_(origin);
            }
            var optimizer = CreateOptimizer(sae);
            File.Delete(LogPath);
            return new RunState(sae, optimizer, zeros(DSae, dtype: ScalarType.Int64, device: device), 0, 0);
        }
        catch
        {
            sae.Dispose();
            throw;
        }
    }

    private Adam CreateOptimizer(SparseAutoencoder sae) =>
        optim.Adam(sae.TrainableParameters(), _options.LearningRate, _options.AdamBeta1, _options.AdamBeta2);

    /// <summary>Everything but output paths and cadences: a checkpoint resumes only under the options it was made with.</summary>
    private string Fingerprint() =>
        JsonSerializer.Serialize(_options with { OutDirectory = "", CheckpointEvery = 0, LogEvery = 0, Device = "" }) + $"|d_in={_source.D}";

    /// <summary>Writes the state into a staging folder, then swaps it in whole.</summary>
    private void SaveCheckpoint(RunState state)
    {
        var staging = CheckpointDirectory + ".tmp";
        var old = CheckpointDirectory + ".old";
        try
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            state.Sae.Save(staging, checkpoint: true);                                          // refuses NaN/Inf
            state.Optimizer.save_state_dict(Path.Combine(staging, "optimizer.bin"));
            long[] sinceFired;
            using (NewDisposeScope()) sinceFired = state.TokensSinceFired.cpu().data<long>().ToArray();
            SafetensorsWriter.Write(Path.Combine(staging, "trainer_state.safetensors"),
                [new SafetensorsWriter.Entry("tokens_since_fired", SafetensorsDtype.I64, [sinceFired.Length], MemoryMarshal.AsBytes(sinceFired.AsSpan()).ToArray())]);
            File.WriteAllText(Path.Combine(staging, "state.json"),
                JsonSerializer.Serialize(new CheckpointState(state.Step, state.Tokens, Fingerprint())));   // last: marks the folder complete
            if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
            if (Directory.Exists(CheckpointDirectory)) Directory.Move(CheckpointDirectory, old);
            Directory.Move(staging, CheckpointDirectory);
            if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InterpException($"cannot write SAE checkpoint {CheckpointDirectory}: {e.Message}", e);
        }
    }

    /// <summary>The state of the newest complete checkpoint, or null for a fresh run.</summary>
    private RunState? TryResume(Device device)
    {
        var dir = new[] { CheckpointDirectory, CheckpointDirectory + ".tmp", CheckpointDirectory + ".old" }
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "state.json")));
        if (dir is null) return null;
        CheckpointState checkpoint;
        try
        {
            checkpoint = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(dir, "state.json")))
                         ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InterpException($"{dir}/state.json: not a checkpoint state ({e.Message}); delete {dir} to start over");
        }
        if (checkpoint.Fingerprint != Fingerprint())
            throw new InterpException($"{dir}: this checkpoint was made with other training options or data; use another output folder or delete {dir}");

        var sae = SparseAutoencoder.Load(dir, device);
        try
        {
            var optimizer = CreateOptimizer(sae);
            optimizer.load_state_dict(Path.Combine(dir, "optimizer.bin"));
            long[] sinceFired;
            using (var file = SafetensorsFile.Open(Path.Combine(dir, "trainer_state.safetensors")))
            {
                var bytes = file.GetBytes("tokens_since_fired");
                sinceFired = MemoryMarshal.Cast<byte, long>(bytes).ToArray();
            }
            if (sinceFired.Length != sae.DSae)
                throw new InterpException($"{dir}/trainer_state.safetensors: tokens_since_fired has {sinceFired.Length} entries, expected d_sae={sae.DSae}");
            TruncateLog(checkpoint.Step);
            return new RunState(sae, optimizer, tensor(sinceFired, device: device), checkpoint.Step, checkpoint.Tokens);
        }
        catch
        {
            sae.Dispose();
            throw;
        }
    }

    /// <summary>Drops log lines past the checkpoint: those steps run again.</summary>
    private void TruncateLog(int step)
    {
        if (!File.Exists(LogPath)) return;
        static int StepOf(string line)
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                return document.RootElement.TryGetProperty("step", out var value) && value.TryGetInt32(out var s) ? s : int.MaxValue;
            }
            catch (JsonException)
            {
                return int.MaxValue;                                                            // a line cut short by a kill
            }
        }
        var kept = File.ReadLines(LogPath).Where(line => line.Length > 0 && StepOf(line) <= step).ToArray();
        AtomicFile.Write(LogPath, tmp => File.WriteAllLines(tmp, kept));
    }

    private void AppendLog(SaeTrainProgress progress) =>
        File.AppendAllText(LogPath, JsonSerializer.Serialize(progress, LogJson) + "\n");

    private sealed record CheckpointState(int Step, long Tokens, string Fingerprint);

    /// <summary>The mutable state of a run; owns the SAE (until handed to the caller), the optimizer and the counters.</summary>
    private sealed class RunState(SparseAutoencoder sae, Adam optimizer, Tensor tokensSinceFired, int step, long tokens)
    {
        public SparseAutoencoder Sae { get; } = sae;
        public Adam Optimizer { get; } = optimizer;
        public Tensor TokensSinceFired { get; } = tokensSinceFired;                           // int64 [d_sae]
        public int Step { get; set; } = step;
        public long Tokens { get; set; } = tokens;

        public void Dispose(bool keepSae)
        {
            Optimizer.Dispose();
            TokensSinceFired.Dispose();
            if (!keepSae) Sae.Dispose();
        }
    }

    /// <summary>Sums of step outputs between two reports.</summary>
    private sealed class Interval
    {
        private double _loss, _mse, _sparsity, _aux, _l0, _ev;
        private long _rows;

        public int Steps { get; private set; }

        public void Add(SaeStepOutput o, int rows)
        {
            (_loss, _mse, _sparsity, _aux, _l0, _ev) = (_loss + o.Loss, _mse + o.Mse, _sparsity + o.SparsityLoss, _aux + o.AuxLoss, _l0 + o.L0, _ev + o.ExplainedVariance);
            _rows += rows;
            Steps++;
        }

        public SaeTrainProgress Report(int step, int total, long tokens, double deadFraction, double lr, double coefficient, double seconds)
        {
            var n = Math.Max(1, Steps);
            return new SaeTrainProgress(step, total, tokens, _loss / n, _mse / n, _sparsity / n, _aux / n, _l0 / n, _ev / n,
                deadFraction, lr, coefficient, seconds > 0 ? _rows / seconds : 0);
        }
    }
}
