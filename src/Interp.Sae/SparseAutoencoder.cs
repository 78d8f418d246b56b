using Interp.Core;
using Interp.Core.Hooks;
using Interp.Sae.Architectures;
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
/// plus what the architecture adds (<see cref="SaeArchitectureDefinition.ExtraTensors"/>: JumpReLU's <c>log_threshold</c>,
/// BatchTopK's <c>threshold</c>, each [d_sae]). Latents f are in the normalised units; <see cref="Encode"/> and
/// <see cref="Decode"/> take and give the model's units. Training (<see cref="SaeTrainer"/>) keeps decoder rows at unit norm.
/// Inputs may have any leading shape <c>[..., d_in]</c>. Reading and writing folders: <see cref="SaeFolder"/>.
/// </summary>
public sealed partial class SparseAutoencoder : nn.Module<Tensor, Tensor>
{
    // Field names are the safetensors keys.
    private readonly Parameter W_enc;
    private readonly Parameter b_enc;
    private readonly Parameter W_dec;
    private readonly Parameter b_dec;
    private readonly Parameter? W_skip;                                                      // transcoders with a skip connection
    private readonly Dictionary<string, Tensor> _extra = new(StringComparer.Ordinal);   // the architecture's own tensors, by key
    private readonly List<Parameter> _trainable = [];
    private SaeConfig _config;

    private SparseAutoencoder(SaeConfig config, Device? device) : base("SparseAutoencoder")
    {
        config.Validate();
        _config = config;
        Architecture = config.Architecture.Definition();
        var dev = device ?? CPU;
        W_enc = nn.Parameter(zeros(config.DIn, config.DSae, device: dev));
        b_enc = nn.Parameter(zeros(config.DSae, device: dev));
        W_dec = nn.Parameter(zeros(config.DSae, config.DOut, device: dev));
        b_dec = nn.Parameter(zeros(config.DOut, device: dev));
        register_parameter(nameof(W_enc), W_enc);
        register_parameter(nameof(b_enc), b_enc);
        register_parameter(nameof(W_dec), W_dec);
        register_parameter(nameof(b_dec), b_dec);
        _trainable.AddRange([W_enc, b_enc, W_dec, b_dec]);
        if (config.HasSkip)
        {
            W_skip = nn.Parameter(zeros(config.DOut, config.DIn, device: dev));
            register_parameter(nameof(W_skip), W_skip);
            _trainable.Add(W_skip);
        }
        foreach (var (name, trainable) in Architecture.ExtraTensors)
        {
            if (trainable)
            {
                var parameter = nn.Parameter(zeros(config.DSae, device: dev));
                register_parameter(name, parameter);
                _trainable.Add(parameter);
                _extra[name] = parameter;
            }
            else
            {
                var buffer = zeros(config.DSae, device: dev);
                register_buffer(name, buffer);
                _extra[name] = buffer;
            }
        }
    }

    /// <summary>The architecture's definition (its activation, training and files).</summary>
    public SaeArchitectureDefinition Architecture { get; }

    /// <summary>What this SAE is and where it attaches (cfg.json).</summary>
    public SaeConfig Config => _config;

    /// <summary>The folder it was loaded from, if any (named in error messages).</summary>
    public string? SourceDirectory { get; internal set; }

    /// <summary>
    /// BatchTopK: the smallest activation the last training step kept (0 before the first), where the next step starts
    /// looking for its cut. Not saved: it only speeds the search, whose result does not depend on it.
    /// </summary>
    internal float LastTrainingCut { get; set; }

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

    /// <summary>W_dec [d_sae, d_out] (d_out = d_in for an SAE): row i is latent i's direction (normalised units), the live parameter (do not dispose).</summary>
    public Tensor DecoderWeight => W_dec;

    /// <summary>b_dec [d_out], the live parameter (do not dispose).</summary>
    public Tensor DecoderBias => b_dec;

    /// <summary>W_skip [d_out, d_in] of a transcoder with a skip connection (SAELens's), else null; the live parameter (do not dispose).</summary>
    public Tensor? SkipWeight => W_skip;

    /// <summary>
    /// A new tensor with the inference threshold θ [d_sae] (JumpReLU: exp(log_threshold); BatchTopK: the estimate), or
    /// null for the architectures without one. The caller disposes it.
    /// </summary>
    public Tensor? GetThreshold()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return Architecture.InferenceThreshold(this)?.MoveToOuterDisposeScope();
    }

    /// <summary>The tensors an optimizer trains (not the BatchTopK threshold estimate, which is not a gradient quantity).</summary>
    public IReadOnlyList<Parameter> TrainableParameters() => _trainable;

    /// <summary>The architecture's extra tensor <paramref name="name"/> [d_sae] (live; do not dispose).</summary>
    internal Tensor Extra(string name) => _extra[name];

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
        var directions = randn(config.DSae, config.DOut, generator: generator);                // [d_sae, d_out]
        directions = directions / directions.norm(1, keepdim: true).clamp_min(1e-12);
        sae.W_dec.copy_(directions);
        if (config.IsTranscoder)
        {
            // Input and output are different spaces: the encoder's columns are their own random unit vectors.
            var readers = randn(config.DSae, config.DIn, generator: generator);
            sae.W_enc.copy_((readers / readers.norm(1, keepdim: true).clamp_min(1e-12)).t());
        }
        else
        {
            sae.W_enc.copy_(directions.t());
        }
        foreach (var (name, _) in sae.Architecture.ExtraTensors) sae._extra[name].fill_(sae.Architecture.InitialValue(name, jumpReluInitialThreshold));
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

    /// <summary>x̂ = Decode(Encode(x)), plus x·W_skipᵀ for a transcoder with a skip connection (<see cref="Transcode"/>).</summary>
    public override Tensor forward(Tensor x) => Transcode(x);

    /// <summary>
    /// One training forward pass on a batch already in normalised units (<see cref="SaeStepInput.X"/> = s·x, [B, d_in]):
    /// the training activation (BatchTopK over the batch, JumpReLU with its straight-through estimator), the loss
    /// MSE + sparsity penalty + AuxK, and the step's metrics. Returns the loss (to backpropagate) and the latents
    /// (detached), both owned by the caller's dispose scope.
    /// </summary>
    public (Tensor Loss, SaeStepLatents Latents, SaeStepOutput Output) TrainingForward(SaeStepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var x = input.X;
        CheckInputWidth(x);
        if (x.dim() != 2) throw new ArgumentException($"training batches are [batch, d_in], got [{string.Join(", ", x.shape)}]", nameof(input));
        using var scope = NewDisposeScope();
        Tensor pre;                                                                              // [B, d_sae]
        if (Architecture.EncodesSparsely && !input.DenseEncoderBackward)
            using (no_grad()) pre = PreActivationsNormalized(x);                                 // gradients enter through PreActivationsAt
        else
            pre = PreActivationsNormalized(x);
        var zero = zeros(Array.Empty<long>(), device: x.device);
        var (latents, reconstruction, sparsityLoss) = Architecture.Train(this, pre, input);      // reconstruction [B, d_out]
        if (W_skip is not null) reconstruction = reconstruction + Skip(x);
        var target = TrainingTarget(input);                                                      // x, or a transcoder's y
        var sparsity = sparsityLoss ?? zero;
        var mse = SaeLosses.Mse(target, reconstruction);
        var aux = zero;
        if (Architecture.UsesAuxK && input.DeadMask is not null && input.AuxKCoefficient > 0)
            aux = input.AuxKCoefficient * SaeLosses.AuxK(target - reconstruction, pre, input.DeadMask, W_dec, input.KAux,
                                                         indices => PreActivationsAt(pre, x, indices));
        var loss = mse + sparsity + aux;

        var output = new SaeStepOutput(
            Loss: loss.item<float>(),
            Mse: mse.item<float>(),
            SparsityLoss: sparsity.item<float>(),
            AuxLoss: aux.item<float>(),
            L0: latents.L0(),
            ExplainedVariance: SaeLosses.ExplainedVariance(target, reconstruction));
        scope.MoveToOuter(latents.Tensors);
        return (loss.MoveToOuterDisposeScope(), latents, output);
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
        // Row-wise dot products as a batched [1, d_in] × [d_in, 1] product and the update as one fused addcmul: no
        // [d_sae, d_in] temporaries (0.12 s → 0.04 s a step at d_sae 16,384, d_in 768).
        var dots = gradient.unsqueeze(1).bmm(W_dec.unsqueeze(2)).view(-1, 1);                 // [d_sae, 1]: g·w
        var squaredNorms = W_dec.unsqueeze(1).bmm(W_dec.unsqueeze(2)).view(-1, 1).clamp_min(1e-12);   // [d_sae, 1]: w·w
        gradient.addcmul_(W_dec, dots / squaredNorms, value: -1);
    }

    /// <summary>Rescales every decoder row to unit norm (call after the optimizer step).</summary>
    public void NormalizeDecoderRows()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        W_dec.div_(W_dec.norm(1, keepdim: true).clamp_min(1e-12));
    }

    /// <summary>
    /// After an optimizer step: BatchTopK moves its inference threshold toward the smallest positive activation kept in
    /// this batch (exponential moving average with weight <paramref name="rate"/>), as in Bussmann et al. 2024 and
    /// SAELens. A no-op for the other architectures or a batch with no positive activation.
    /// </summary>
    public void UpdateThresholdEstimate(SaeStepLatents latents, double rate) => Architecture.AfterStep(this, latents, rate);

    /// <summary>BatchTopK: sets the inference threshold (every latent) to <paramref name="value"/>; a no-op otherwise.</summary>
    public void SetThresholdEstimate(double value) => Architecture.SetThreshold(this, value);

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

    /// <summary>Writes <c>cfg.json</c> and <c>sae_weights.safetensors</c> into <paramref name="directory"/> (see <see cref="SaeFolder.Write"/>).</summary>
    public void Save(string directory) => SaeFolder.Write(this, directory);

    /// <summary>Saves; a <paramref name="checkpoint"/> also keeps what resuming needs exactly (see <see cref="SaeFolder.Write"/>).</summary>
    internal void Save(string directory, bool checkpoint) => SaeFolder.Write(this, directory, checkpoint);

    /// <summary>Loads an SAE folder as SAELens writes it (see <see cref="SaeFolder.Read"/>).</summary>
    public static SparseAutoencoder Load(string directory, Device? device = null) => SaeFolder.Read(directory, device);

    /// <summary>An SAE of <paramref name="config"/> with every tensor zero, to be filled by a reader.</summary>
    internal static SparseAutoencoder Empty(SaeConfig config, Device? device) => new(config, device);

    /// <summary>"SAE DIR" or "SAE at HOOK" ("transcoder …" for a transcoder), for error messages.</summary>
    public string Describe() => SourceDirectory is not null ? $"{_config.KindName} {SourceDirectory}"
        : _config.HookName.Length > 0 ? $"{_config.KindName} at {_config.HookName}" : _config.KindName;

    internal Tensor Normalize(Tensor x)
    {
        var scale = _config.InputScale;
        var input = x.dtype == ScalarType.Float32 ? x.alias() : x.to_type(ScalarType.Float32);
        return scale == 1.0 ? input : input * scale;
    }

    /// <summary>
    /// The training pre-activations at <paramref name="indices"/> [B, k], with gradients to the encoder: through the
    /// dense <paramref name="pre"/> when it carries them (the reference), else through <see cref="SparseEncode"/> from
    /// these entries only (pre computed without autograd from <paramref name="xNormalized"/>).
    /// </summary>
    internal Tensor PreActivationsAt(Tensor pre, Tensor xNormalized, Tensor indices) =>
        pre.requires_grad ? pre.gather(-1, indices)
            : SparseEncode.ApplyRows(pre, indices, xNormalized, W_enc, b_enc, _config.ApplyBDecToInput ? b_dec : null);

    /// <summary>
    /// The training pre-activations at N entries (<paramref name="rows"/>, <paramref name="columns"/>) of pre computed
    /// without autograd from <paramref name="xNormalized"/>, with gradients to the encoder through <see cref="SparseEncode"/>.
    /// </summary>
    internal Tensor PreActivationsAtEntries(Tensor pre, Tensor xNormalized, Tensor rows, Tensor columns) =>
        SparseEncode.Apply(pre, rows, columns, xNormalized, W_enc, b_enc, _config.ApplyBDecToInput ? b_dec : null);

    internal Tensor PreActivationsNormalized(Tensor xNormalized)
    {
        using var scope = NewDisposeScope();
        if (!_config.ApplyBDecToInput) return Affine(xNormalized, W_enc, b_enc).MoveToOuterDisposeScope();
        if (is_grad_enabled() && !xNormalized.requires_grad)
        {
            // (x − b_dec) W_enc = x W_enc − b_dec W_enc. Training: backpropagating through x − b_dec would form the
            // gradient of the whole centred batch, a third [B, d_in] × [d_in, d_sae] matmul, only to sum it into b_dec's
            // gradient; through b_dec W_enc that gradient is one vector–matrix product.
            return Affine(xNormalized, W_enc, b_enc - b_dec.matmul(W_enc)).MoveToOuterDisposeScope();
        }
        return Affine(xNormalized - b_dec, W_enc, b_enc).MoveToOuterDisposeScope();
    }

    internal Tensor DecodeNormalized(Tensor latents)
    {
        using var scope = NewDisposeScope();
        return Affine(latents, W_dec, b_dec).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// input · weight + bias; for a matrix input as one addmm, which adds the bias while writing the product instead of
    /// in a second pass over the [B, d_sae] result (0.07 s a step at the bench shape).
    /// </summary>
    private static Tensor Affine(Tensor input, Tensor weight, Tensor bias) =>
        input.dim() == 2 ? addmm(bias, input, weight, 1, 1) : input.matmul(weight) + bias;

    /// <summary>The inference activation of pre-activations.</summary>
    internal Tensor Activate(Tensor pre) => Architecture.Activate(this, pre);

    private void CheckInputWidth(Tensor x)
    {
        if (x.dim() == 0 || x.shape[^1] != DIn)
            throw new InterpException($"{Describe()}: input has shape [{string.Join(", ", x.shape)}], expected [..., d_in={DIn}]");
    }
}
