using System.Diagnostics;
using System.Runtime.InteropServices;
using Interp.Core;
using Interp.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>
/// Trains a <see cref="SparseAutoencoder"/> on an <see cref="IActivationSource"/> (SAELens's recipe): inputs scaled so
/// mean ‖x‖ = √d_in, b_dec at the geometric median, W_enc = W_decᵀ, Adam with LR warm-up and decay, sparsity-coefficient
/// warm-up, unit-norm decoder rows (parallel gradient removed before each step, rows renormalised after), dead-latent
/// tracking over a window of steps (SAELens's), AuxK in Gao et al.'s normalised form for topk/batchtopk. Writes <c>OUT/training_log.jsonl</c>, checkpoints into
/// <c>OUT/checkpoint</c> (swapped in whole, so a kill never leaves a mixed one) and resumes from it when run again with
/// the same options; the final SAE is <c>OUT/cfg.json</c> + <c>OUT/sae_weights.safetensors</c>. A NaN or Inf loss or
/// gradient stops the run with an <see cref="InterpException"/> naming the step, after checkpointing the last good state.
/// </summary>
public sealed partial class SaeTrainer
{
    /// <summary>The training log's file name in the output folder.</summary>
    public const string LogFileName = JsonlLog.TrainingLogFileName;

    private readonly SaeTrainingOptions _options;
    private readonly IActivationSource _source;
    private readonly Action<SaeTrainProgress>? _progress;
    private readonly SaeCheckpoint _checkpoint;
    private readonly JsonlLog _log;

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
        _checkpoint = new SaeCheckpoint(CheckpointDirectory);
        _log = new JsonlLog(LogPath);
    }

    /// <summary>Called with the step the run went back to after it met <see cref="TorchSharpScalarRace"/>.</summary>
    public Action<int>? Recovered { get; init; }

    /// <summary>For fault tests: the first time the run reaches this (0-based) step it fails as the scalar race does.</summary>
    public int? SimulateScalarRaceAtStep { get; init; }

    private int? _failAtStep;

    /// <summary>The folder the latest checkpoint lives in.</summary>
    public string CheckpointDirectory => Path.Combine(_options.OutDirectory, "checkpoint");

    /// <summary>The training log's path.</summary>
    public string LogPath => Path.Combine(_options.OutDirectory, LogFileName);

    /// <summary>The number of latents this run trains.</summary>
    public int DSae => _options.DSae ?? _options.ExpansionFactor * DIn;

    /// <summary>d_in: the source's row width, less a transcoder's target columns.</summary>
    private int DIn => _source.D - (_options.IsTranscoder ? _options.OutputWidth : 0);

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

        SaeRunState? state = TryResume(device) ?? Start(device);
        try
        {
            var last = TrainRecovering(ref state, device, cancellationToken);
            var sae = state!.Sae;                                                               // set again by every recovery
            sae.zero_grad();                                                                    // release the gradients
            sae.Save(_options.OutDirectory);
            sae.SourceDirectory = _options.OutDirectory;
            state.Dispose(keepSae: true);
            return new SaeTrainResult(sae, _options.OutDirectory, state.Step, state.Tokens, clock.Elapsed.TotalSeconds, last);
        }
        catch
        {
            state?.Dispose(keepSae: false);                                                    // null: a recovery failed to reload
            throw;
        }
    }

    /// <summary>
    /// <see cref="Train"/>, restarting from the newest checkpoint (or from the start, which the seed makes the same run)
    /// when libtorch reads a scalar TorchSharp has freed (<see cref="TorchSharpScalarRace"/>): the step that failed may
    /// have changed some weights, and a resumed run ends equal to an uninterrupted one.
    /// </summary>
    private SaeTrainProgress? TrainRecovering(ref SaeRunState? state, Device device, CancellationToken cancellationToken)
    {
        _failAtStep = SimulateScalarRaceAtStep;
        for (var recoveries = 0; ; recoveries++)
        {
            try
            {
                return Train(state!, cancellationToken);
            }
            catch (ExternalException e) when (TorchSharpScalarRace.IsScalarRace(e) && recoveries < TorchSharpScalarRace.MaxRecoveries)
            {
                state!.Dispose(keepSae: false);
                state = null;
                state = TryResume(device) ?? Start(device);
                Recovered?.Invoke(state.Step);
            }
        }
    }

    private SaeTrainProgress? Train(SaeRunState state, CancellationToken cancellationToken)
    {
        var total = _options.TotalSteps;
        var kAux = _options.KAux ?? Math.Max(1, DIn / 2);
        var scale = (float)state.Sae.Config.InputScale;
        var parameters = state.Sae.TrainableParameters();
        SaeTrainProgress? last = null;
        var interval = new SaeTrainInterval();
        var intervalClock = Stopwatch.StartNew();

        using var batches = _source.Batches(_options.BatchSize, _options.Seed, state.Step).GetEnumerator();
        while (state.Step < total)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _checkpoint.Save(state, Fingerprint());
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
                Tensor? target = null;
                if (_options.IsTranscoder)                                                      // rows [x | y]
                    (x, target) = (x.narrow(1, 0, DIn).contiguous(), x.narrow(1, DIn, _options.OutputWidth).contiguous());
                if (scale != 1f) x = x * scale;                                                 // normalised units
                state.Optimizer.zero_grad();
                var deadMask = DeadMask(state);                                                 // [d_sae], before this step, as SAELens
                var input = new SaeStepInput(x)
                {
                    Target = target,
                    SparsityCoefficient = coefficient,
                    DeadMask = deadMask,
                    KAux = kAux,
                    AuxKCoefficient = _options.AuxKCoefficient,
                    JumpReluBandwidth = _options.JumpReluBandwidth,
                };
                if (state.Step == _failAtStep)
                {
                    _failAtStep = null;
                    throw new ExternalException("injected: Exception raised from toFloat at /pytorch/c10/core/Scalar.h:140");
                }
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
                    var fired = latents.Fired();                                                // [d_sae]
                    state.StepsSinceFired.add_(1).masked_fill_(fired, 0);
                }
            }
            state.Step++;
            state.Tokens += rows;
            interval.Add(output, rows);

            if (state.Step % _options.LogEvery == 0 || state.Step == total)
            {
                var seconds = intervalClock.Elapsed.TotalSeconds;
                last = interval.Report(state.Step, total, state.Tokens, DeadFraction(state), learningRate, coefficient, seconds);
                _log.Append(last);
                _progress?.Invoke(last);
                interval = new SaeTrainInterval();
                intervalClock.Restart();
            }
            if (state.Step % _options.CheckpointEvery == 0 && state.Step != total)
            {
                _checkpoint.Save(state, Fingerprint());
                intervalClock.Restart();
            }
        }
        if (state.Sae.Architecture.CalibratesThreshold) CalibrateThreshold(state, batches, scale);
        if (interval.Steps > 0)
        {
            last = interval.Report(state.Step, total, state.Tokens, DeadFraction(state), LearningRateAt(Math.Max(0, state.Step - 1)),
                SparsityCoefficientAt(Math.Max(0, state.Step - 1)), intervalClock.Elapsed.TotalSeconds);
            _log.Append(last);
            _progress?.Invoke(last);
        }
        _checkpoint.Save(state, Fingerprint());
        return last;
    }

    /// <summary>
    /// BatchTopK's inference threshold for the final weights: the mean, over the next batches of the data, of the
    /// smallest activation BatchTopK keeps (Bussmann et al. 2024), replacing the moving average kept during training
    /// (which lags behind the changing weights). Keeps the moving average when the data has run out.
    /// </summary>
    private void CalibrateThreshold(SaeRunState state, IEnumerator<float[]> batches, float scale)
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
    private void StopOnNonFinite(SaeRunState state, string what)
    {
        string saved;
        try
        {
            _checkpoint.Save(state, Fingerprint());
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
            if (p.grad is { } g && !g.sum().isfinite().item<bool>()) return false;              // NaN and ±Inf carry into the sum
        return true;
    }

    /// <summary>
    /// Latents that fired in none of the last <see cref="SaeTrainingOptions.DeadWindow"/> steps: what AuxK trains and the
    /// log's dead_fraction counts. SAELens counts a latent dead one step later (passes since fired &gt; window).
    /// </summary>
    private Tensor DeadMask(SaeRunState state) => state.StepsSinceFired.ge(_options.DeadWindow);

    private double DeadFraction(SaeRunState state)
    {
        using var scope = NewDisposeScope();
        return DeadMask(state).sum().item<long>() / (double)state.Sae.DSae;
    }

    private Adam CreateOptimizer(SparseAutoencoder sae) =>
        optim.Adam(sae.TrainableParameters(), _options.LearningRate, _options.AdamBeta1, _options.AdamBeta2);

    /// <summary>Everything but output paths and cadences: a checkpoint resumes only under the options it was made with.</summary>
    private string Fingerprint() =>
        CheckpointFolder.Fingerprint(_options with { OutDirectory = "", CheckpointEvery = 0, LogEvery = 0, Device = "" }, $"|d_in={_source.D}");

    /// <summary>The state of the newest complete checkpoint (its log cut back to its step), or null for a fresh run.</summary>
    private SaeRunState? TryResume(Device device)
    {
        var state = _checkpoint.TryLoad(Fingerprint(), device, CreateOptimizer);
        if (state is null) return null;
        try
        {
            _log.TruncateAfter(state.Step);                                                     // those steps run again
            return state;
        }
        catch
        {
            state.Dispose(keepSae: false);
            throw;
        }
    }
}
