using System.Globalization;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Safetensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// A sparse autoencoder over one hook's activations, in SAELens's layout and names:
/// <code>
///   xₙ  = s·x                          s = cfg.InputScale (1 unless normalize_activations = expected_average_only_in)
///   pre = (xₙ − b_dec) W_enc + b_enc   (b_dec is not subtracted when apply_b_dec_to_input = false)
///   f   = act(pre)                     ReLU | TopK(k) | BatchTopK(k), threshold at inference | JumpReLU(θ = exp(log_threshold))
///   x̂   = (f W_dec + b_dec) / s
/// </code>
/// Shapes: <c>W_enc [d_in, d_sae]</c>, <c>b_enc [d_sae]</c>, <c>W_dec [d_sae, d_in]</c>, <c>b_dec [d_in]</c>,
/// <c>threshold [d_sae]</c> (JumpReLU and BatchTopK). Latents f are in the normalised units; <see cref="Encode"/> and
/// <see cref="Decode"/> take and give the model's units. Training (<see cref="SaeTrainer"/>) keeps decoder rows at unit norm.
/// Inputs may have any leading shape <c>[..., d_in]</c>.
/// </summary>
public sealed class SparseAutoencoder : nn.Module<Tensor, Tensor>
{
    /// <summary>The config file's name in an SAE folder.</summary>
    public const string ConfigFileName = "cfg.json";

    /// <summary>The weights file's name in an SAE folder.</summary>
    public const string WeightsFileName = "sae_weights.safetensors";

    // Field names are the safetensors keys.
    private readonly Parameter W_enc;
    private readonly Parameter b_enc;
    private readonly Parameter W_dec;
    private readonly Parameter b_dec;
    private readonly Parameter? log_threshold; // JumpReLU: θ = exp(log_threshold), trained
    private readonly Tensor? threshold;        // BatchTopK: the running estimate used at inference (a buffer)
    private SaeConfig _config;

    private SparseAutoencoder(SaeConfig config, Device? device) : base("SparseAutoencoder")
    {
        config.Validate();
        _config = config;
        var dev = device ?? CPU;
        W_enc = nn.Parameter(zeros(config.DIn, config.DSae, device: dev));
        b_enc = nn.Parameter(zeros(config.DSae, device: dev));
        W_dec = nn.Parameter(zeros(config.DSae, config.DIn, device: dev));
        b_dec = nn.Parameter(zeros(config.DIn, device: dev));
        register_parameter(nameof(W_enc), W_enc);
        register_parameter(nameof(b_enc), b_enc);
        register_parameter(nameof(W_dec), W_dec);
        register_parameter(nameof(b_dec), b_dec);
        if (config.Architecture == SaeArchitecture.JumpRelu)
        {
            log_threshold = nn.Parameter(zeros(config.DSae, device: dev));
            register_parameter(nameof(log_threshold), log_threshold);
        }
        else if (config.Architecture == SaeArchitecture.BatchTopK)
        {
            threshold = zeros(config.DSae, device: dev);
            register_buffer(nameof(threshold), threshold);
        }
    }

    /// <summary>What this SAE is and where it attaches (cfg.json).</summary>
    public SaeConfig Config => _config;

    /// <summary>The folder it was loaded from, if any (named in error messages).</summary>
    public string? SourceDirectory { get; internal set; }

    /// <summary>d_in: the activation width.</summary>
    public int DIn => _config.DIn;

    /// <summary>d_sae: the number of latents.</summary>
    public int DSae => _config.DSae;

    /// <summary>The device the weights live on.</summary>
    public Device Device => W_enc.device;

    /// <summary>W_enc [d_in, d_sae], the live parameter (do not dispose).</summary>
    public Tensor EncoderWeight => W_enc;

    /// <summary>b_enc [d_sae], the live parameter (do not dispose).</summary>
    public Tensor EncoderBias => b_enc;

    /// <summary>W_dec [d_sae, d_in]: row i is latent i's direction (normalised units), the live parameter (do not dispose).</summary>
    public Tensor DecoderWeight => W_dec;

    /// <summary>b_dec [d_in], the live parameter (do not dispose).</summary>
    public Tensor DecoderBias => b_dec;

    /// <summary>
    /// A new tensor with the inference threshold θ [d_sae] (JumpReLU: exp(log_threshold); BatchTopK: the estimate), or
    /// null for the architectures without one. The caller disposes it.
    /// </summary>
    public Tensor? GetThreshold()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return _config.Architecture switch
        {
            SaeArchitecture.JumpRelu => log_threshold!.detach().exp().MoveToOuterDisposeScope(),
            SaeArchitecture.BatchTopK => threshold!.detach().clone().MoveToOuterDisposeScope(),
            _ => null,
        };
    }

    /// <summary>The tensors an optimizer trains (not the BatchTopK threshold estimate, which is not a gradient quantity).</summary>
    public IReadOnlyList<Parameter> TrainableParameters() =>
        log_threshold is null ? [W_enc, b_enc, W_dec, b_dec] : [W_enc, b_enc, W_dec, b_dec, log_threshold];

    /// <summary>
    /// A freshly initialised SAE: decoder rows are random unit vectors, W_enc = W_decᵀ, b_enc = b_dec = 0, JumpReLU
    /// thresholds at <paramref name="jumpReluInitialThreshold"/>, the BatchTopK estimate at 0. Random numbers come from
    /// a generator seeded with <paramref name="seed"/> on the CPU, so the same seed gives the same SAE on every device.
    /// </summary>
    public static SparseAutoencoder Create(SaeConfig config, Device? device = null, long seed = 0, double jumpReluInitialThreshold = 0.001)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(jumpReluInitialThreshold);
        var sae = new SparseAutoencoder(config, device);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator(unchecked((ulong)seed), CPU);
        var directions = randn(config.DSae, config.DIn, generator: generator);                 // [d_sae, d_in]
        directions = directions / directions.norm(1, keepdim: true).clamp_min(1e-12);
        sae.W_dec.copy_(directions);
        sae.W_enc.copy_(directions.t());
        sae.log_threshold?.fill_(Math.Log(jumpReluInitialThreshold));
        return sae;
    }

    /// <summary>Latents f [..., d_sae] for activations x [..., d_in] in the model's units (inference activation).</summary>
    public Tensor Encode(Tensor x)
    {
        CheckInputWidth(x);
        using var scope = NewDisposeScope();
        return Activate(PreActivationsNormalized(Normalize(x))).MoveToOuterDisposeScope();
    }

    /// <summary>Pre-activations (xₙ − b_dec) W_enc + b_enc [..., d_sae] for activations x [..., d_in] in the model's units.</summary>
    public Tensor PreActivations(Tensor x)
    {
        CheckInputWidth(x);
        using var scope = NewDisposeScope();
        return PreActivationsNormalized(Normalize(x)).MoveToOuterDisposeScope();
    }

    /// <summary>The reconstruction x̂ [..., d_in] in the model's units for latents f [..., d_sae].</summary>
    public Tensor Decode(Tensor latents)
    {
        if (latents.shape[^1] != DSae)
            throw new InterpException($"{Describe()}: latents have width {latents.shape[^1]}, expected d_sae={DSae}");
        using var scope = NewDisposeScope();
        var reconstruction = DecodeNormalized(latents);
        var scale = _config.InputScale;
        return (scale == 1.0 ? reconstruction : reconstruction / scale).MoveToOuterDisposeScope();
    }

    /// <summary>x̂ = Decode(Encode(x)).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Decode(Encode(x)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One training forward pass on a batch already in normalised units (<see cref="SaeStepInput.X"/> = s·x, [B, d_in]):
    /// the training activation (BatchTopK over the batch, JumpReLU with its straight-through estimator), the loss
    /// MSE + sparsity penalty + AuxK, and the step's metrics. Returns the loss (to backpropagate) and the latents
    /// (detached), both owned by the caller's dispose scope.
    /// </summary>
    public (Tensor Loss, Tensor Latents, SaeStepOutput Output) TrainingForward(SaeStepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var x = input.X;
        CheckInputWidth(x);
        if (x.dim() != 2) throw new ArgumentException($"training batches are [batch, d_in], got [{string.Join(", ", x.shape)}]", nameof(input));
        using var scope = NewDisposeScope();
        var pre = PreActivationsNormalized(x);                                                   // [B, d_sae]
        Tensor latents, sparsity;
        Tensor? sparseReconstruction = null;
        var zero = zeros(Array.Empty<long>(), device: x.device);
        switch (_config.Architecture)
        {
            case SaeArchitecture.Relu:
                latents = SaeActivations.Relu(pre);
                sparsity = input.SparsityCoefficient * SaeLosses.WeightedL1(latents, W_dec);
                break;
            case SaeArchitecture.TopK:
                // Decoded from (values, indices): k·d_in work a row instead of d_sae·d_in; the dense latents are for metrics.
                var (values, indices) = pre.topk(_config.K, dim: -1);                             // [B, k]
                values = nn.functional.relu(values);
                sparseReconstruction = SparseDecode.Apply(values, indices, W_dec) + b_dec;
                using (no_grad()) latents = zeros_like(pre).scatter_(-1, indices, values.detach());
                sparsity = zero;
                break;
            case SaeArchitecture.BatchTopK:
                latents = SaeActivations.BatchTopK(pre, _config.K);
                sparsity = zero;
                break;
            case SaeArchitecture.JumpRelu:
                var theta = log_threshold!.exp();                                                   // [d_sae]
                latents = SaeActivations.JumpRelu(pre, theta, input.JumpReluBandwidth);
                sparsity = input.SparsityCoefficient * SaeLosses.L0Penalty(pre, theta, input.JumpReluBandwidth);
                break;
            default:
                throw new InvalidOperationException(_config.Architecture.ToString());
        }
        var reconstruction = sparseReconstruction ?? DecodeNormalized(latents);                  // [B, d_in]
        var mse = SaeLosses.Mse(x, reconstruction);
        var aux = zero;
        if (_config.Architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK && input.DeadMask is not null && input.AuxKCoefficient > 0)
            aux = input.AuxKCoefficient * SaeLosses.AuxK(x - reconstruction, pre, input.DeadMask, W_dec, input.KAux);
        var loss = mse + sparsity + aux;

        var output = new SaeStepOutput(
            Loss: loss.item<float>(),
            Mse: mse.item<float>(),
            SparsityLoss: sparsity.item<float>(),
            AuxLoss: aux.item<float>(),
            L0: SaeLosses.L0(latents),
            ExplainedVariance: SaeLosses.ExplainedVariance(x, reconstruction));
        return (loss.MoveToOuterDisposeScope(), latents.detach().MoveToOuterDisposeScope(), output);
    }

    /// <summary>
    /// Removes from W_dec's gradient the component along each decoder row (g ← g − (g·w / w·w) w), so that a step changes
    /// a row's direction and not, to first order, its norm. Call after backward and before the optimizer step.
    /// </summary>
    public void RemoveParallelDecoderGradient()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var gradient = W_dec.grad;
        if (gradient is null) return;
        var along = (gradient * W_dec).sum(1, keepdim: true) / (W_dec * W_dec).sum(1, keepdim: true).clamp_min(1e-12);
        gradient.sub_(W_dec * along);
    }

    /// <summary>Rescales every decoder row to unit norm (call after the optimizer step).</summary>
    public void NormalizeDecoderRows()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        W_dec.div_(W_dec.norm(1, keepdim: true).clamp_min(1e-12));
    }

    /// <summary>
    /// BatchTopK's inference threshold: moves the estimate toward the smallest positive activation kept in this batch
    /// (exponential moving average with weight <paramref name="rate"/>; the first update takes the value as is), as in
    /// Bussmann et al. 2024 and SAELens. A no-op for other architectures or a batch with no positive activation.
    /// </summary>
    public void UpdateThresholdEstimate(Tensor latents, double rate)
    {
        if (threshold is null) return;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (SaeActivations.MinimumPositive(latents) is not { } smallest) return;
        var current = threshold[0].item<float>();
        var next = current == 0 ? smallest : (1 - rate) * current + rate * smallest;
        threshold.fill_(next);
    }

    /// <summary>BatchTopK: sets the inference threshold (every latent) to <paramref name="value"/>; a no-op otherwise.</summary>
    public void SetThresholdEstimate(double value)
    {
        if (threshold is null) return;
        using var noGrad = no_grad();
        threshold.fill_(value);
    }

    /// <summary>
    /// Folds the input scale into the weights (W_enc·s, W_dec/s, b_dec/s) and sets normalize_activations to none, as
    /// SAELens does before publishing: the latents and reconstructions are unchanged, decoder rows then have norm 1/s,
    /// and the folder is read the same way by tools that ignore <c>scaling_factor</c>.
    /// </summary>
    public void FoldInputScaling()
    {
        var scale = _config.InputScale;
        if (scale != 1.0)
        {
            using var noGrad = no_grad();
            W_enc.mul_(scale);
            W_dec.div_(scale);
            b_dec.div_(scale);
        }
        _config = _config with { NormalizeActivations = SaeConfig.NormalizeNone, ScalingFactor = null };
    }

    /// <summary>
    /// Throws an <see cref="InterpException"/> when this SAE cannot read <paramref name="hook"/>: its width (the
    /// activation's last dimension, heads flattened for <c>hook_z</c>) must equal d_in.
    /// </summary>
    public void CheckFits(HookName hook, long width)
    {
        if (width != DIn)
            throw new InterpException($"{Describe()}: d_in={DIn} does not match hook {hook}, whose width is {width}");
    }

    /// <summary>Writes <c>cfg.json</c> and <c>sae_weights.safetensors</c> into <paramref name="directory"/> (each atomically).</summary>
    public void Save(string directory) => Save(directory, checkpoint: false);

    /// <summary>
    /// Saves; a <paramref name="checkpoint"/> also keeps JumpReLU's <c>log_threshold</c> exactly (SAELens files store
    /// only <c>threshold</c>). Refuses, with an <see cref="InterpException"/> naming the tensor, to write NaN or Inf.
    /// </summary>
    internal void Save(string directory, bool checkpoint)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var entries = new List<(string Name, long[] Shape, float[] Data)>
        {
            ("W_enc", [DIn, DSae], ToArray(W_enc)),
            ("W_dec", [DSae, DIn], ToArray(W_dec)),
            ("b_enc", [DSae], ToArray(b_enc)),
            ("b_dec", [DIn], ToArray(b_dec)),
        };
        using (var theta = GetThreshold())
            if (theta is not null) entries.Add(("threshold", [DSae], ToArray(theta)));
        if (checkpoint && log_threshold is not null) entries.Add(("log_threshold", [DSae], ToArray(log_threshold)));
        foreach (var (name, _, data) in entries)
            if (FirstNonFinite(data) is { } bad)
                throw new InterpException($"refusing to save the SAE to {directory}: tensor '{name}' has a non-finite value ({Format(data[bad])} at index {bad})");

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InterpException($"cannot create SAE folder {directory}: {e.Message}", e);
        }
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFileName),
            entries.Select(e => SafetensorsWriter.Float32(e.Name, e.Shape, e.Data)),
            new Dictionary<string, string> { ["format"] = "pt" });
        _config.Save(Path.Combine(directory, ConfigFileName));
    }

    /// <summary>
    /// Loads an SAE folder as SAELens writes it (<c>cfg.json</c> + <c>sae_weights.safetensors</c>; F32, F16, BF16 or F64
    /// weights) onto <paramref name="device"/> (CPU by default). Each problem is one <see cref="InterpException"/> line:
    /// a missing folder, file or key, a shape that disagrees with cfg.json (naming the key and both shapes), NaN or Inf
    /// in a tensor (naming it).
    /// </summary>
    public static SparseAutoencoder Load(string directory, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) throw new InterpException($"SAE folder not found: {directory}");
        var configPath = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(configPath))
            throw new InterpException($"{directory}: no {ConfigFileName} (an SAE folder holds {ConfigFileName} and {WeightsFileName}, as SAELens writes them)");
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weightsPath))
            throw new InterpException($"{directory}: no {WeightsFileName} (an SAE folder holds {ConfigFileName} and {WeightsFileName}, as SAELens writes them)");
        var config = SaeConfig.Load(configPath);
        using var file = SafetensorsFile.Open(weightsPath);

        float[] Read(string key, long[] expected)
        {
            if (!file.Tensors.TryGetValue(key, out var info))
                throw new InterpException(
                    $"{weightsPath}: missing tensor '{key}' (expected shape {Shape(expected)} for d_in={config.DIn}, d_sae={config.DSae} in {ConfigFileName})");
            if (!info.Shape.SequenceEqual(expected))
                throw new InterpException(
                    $"{weightsPath}: tensor '{key}' has shape {Shape(info.Shape)}, but {ConfigFileName} (d_in={config.DIn}, d_sae={config.DSae}) needs {Shape(expected)}");
            var data = file.ReadAsFloat32(key);
            if (FirstNonFinite(data) is { } bad)
                throw new InterpException($"{weightsPath}: tensor '{key}' has a non-finite value ({Format(data[bad])} at index {bad})");
            return data;
        }

        var sae = new SparseAutoencoder(config, device) { SourceDirectory = directory };
        try
        {
            using var noGrad = no_grad();
            Copy(sae.W_enc, Read("W_enc", [config.DIn, config.DSae]));
            Copy(sae.W_dec, Read("W_dec", [config.DSae, config.DIn]));
            Copy(sae.b_enc, Read("b_enc", [config.DSae]));
            Copy(sae.b_dec, Read("b_dec", [config.DIn]));
            if (sae.log_threshold is not null)
            {
                if (file.Tensors.ContainsKey("log_threshold"))
                {
                    Copy(sae.log_threshold, Read("log_threshold", [config.DSae]));
                }
                else
                {
                    // θ ≤ 0 acts as θ = 0 on ReLU'd pre-activations; log(0) = −∞ keeps exp(log θ) exact.
                    using var scope = NewDisposeScope();
                    sae.log_threshold.copy_(tensor(Read("threshold", [config.DSae]), [config.DSae]).clamp_min(0).log());
                }
            }
            if (sae.threshold is not null) Copy(sae.threshold, Read("threshold", [config.DSae]));
            return sae;
        }
        catch
        {
            sae.Dispose();
            throw;
        }
    }

    /// <summary>"SAE DIR" or "SAE at HOOK", for error messages.</summary>
    public string Describe() => SourceDirectory is not null ? $"SAE {SourceDirectory}"
        : _config.HookName.Length > 0 ? $"SAE at {_config.HookName}" : "SAE";

    internal Tensor Normalize(Tensor x)
    {
        var scale = _config.InputScale;
        var input = x.dtype == ScalarType.Float32 ? x.alias() : x.to_type(ScalarType.Float32);
        return scale == 1.0 ? input : input * scale;
    }

    internal Tensor PreActivationsNormalized(Tensor xNormalized)
    {
        using var scope = NewDisposeScope();
        if (!_config.ApplyBDecToInput) return (xNormalized.matmul(W_enc) + b_enc).MoveToOuterDisposeScope();
        if (is_grad_enabled() && !xNormalized.requires_grad)
        {
            // (x − b_dec) W_enc = x W_enc − b_dec W_enc. Training: backpropagating through x − b_dec would form the
            // gradient of the whole centred batch, a third [B, d_in] × [d_in, d_sae] matmul, only to sum it into b_dec's
            // gradient; through b_dec W_enc that gradient is one vector–matrix product.
            return (xNormalized.matmul(W_enc) - b_dec.matmul(W_enc) + b_enc).MoveToOuterDisposeScope();
        }
        return ((xNormalized - b_dec).matmul(W_enc) + b_enc).MoveToOuterDisposeScope();
    }

    internal Tensor DecodeNormalized(Tensor latents)
    {
        using var scope = NewDisposeScope();
        return (latents.matmul(W_dec) + b_dec).MoveToOuterDisposeScope();
    }

    /// <summary>The inference activation of pre-activations.</summary>
    internal Tensor Activate(Tensor pre)
    {
        switch (_config.Architecture)
        {
            case SaeArchitecture.Relu:
                return SaeActivations.Relu(pre);
            case SaeArchitecture.TopK:
                return SaeActivations.TopK(pre, _config.K);
            case SaeArchitecture.BatchTopK:
                return SaeActivations.Threshold(pre, threshold!);
            case SaeArchitecture.JumpRelu:
                using (var theta = log_threshold!.detach().exp()) return SaeActivations.Threshold(pre, theta);
            default:
                throw new InvalidOperationException(_config.Architecture.ToString());
        }
    }

    private void CheckInputWidth(Tensor x)
    {
        if (x.dim() == 0 || x.shape[^1] != DIn)
            throw new InterpException($"{Describe()}: input has shape [{string.Join(", ", x.shape)}], expected [..., d_in={DIn}]");
    }

    private static void Copy(Tensor destination, float[] data)
    {
        using var source = tensor(data, destination.shape);
        destination.copy_(source);
    }

    private static float[] ToArray(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().contiguous().data<float>().ToArray();
    }

    private static int? FirstNonFinite(float[] data)
    {
        for (var i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i])) return i;
        return null;
    }

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
