using static TorchSharp.torch;

namespace Interp.Sae.Architectures;

/// <summary>
/// One SAE architecture: its SAELens name, what it needs in <c>cfg.json</c>, the tensors it adds to the four every SAE
/// has, its inference activation, its training activation and sparsity loss, and what it does after an optimizer step.
/// One instance per architecture, stateless: an SAE's tensors live in the <see cref="SparseAutoencoder"/> (extra ones
/// under their safetensors names, see <see cref="SparseAutoencoder.Extra"/>). Adding an architecture is one new
/// subclass and a line in <see cref="SaeArchitectures"/>.
/// </summary>
public abstract class SaeArchitectureDefinition
{
    /// <summary>The id used in options and on the command line.</summary>
    public abstract SaeArchitecture Id { get; }

    /// <summary>SAELens's <c>architecture</c> value.</summary>
    public abstract string SaeLensName { get; }

    /// <summary>Other names accepted on the command line and in <c>cfg.json</c>.</summary>
    public virtual IReadOnlyList<string> Aliases => [];

    /// <summary>SAELens's <c>activation_fn</c> for this architecture.</summary>
    public virtual string ActivationFn => "relu";

    /// <summary>The architecture a finished SAE is saved as for inference (SAELens saves BatchTopK as JumpReLU).</summary>
    public virtual SaeArchitecture SavedAs => Id;

    /// <summary>Whether cfg.json's <c>rescale_acts_by_decoder_norm</c> applies (SAELens 6 topk); the reader folds it into the weights.</summary>
    public virtual bool ReadsDecoderNormRescale => false;

    /// <summary>The smallest valid <c>k</c>, or null when the architecture has no k.</summary>
    public virtual int? MinimumK => null;

    /// <summary>Whether the architecture keeps k latents per token (and so has a <c>k</c> in cfg.json and on the command line).</summary>
    public bool UsesK => MinimumK is not null;

    /// <summary>Whether cfg.json must give <c>k</c> as an integer (a missing k is an error).</summary>
    public virtual bool RequiresIntegerK => false;

    /// <summary>Whether training adds AuxK (Gao et al. 2024) over the latents counted as dead.</summary>
    public virtual bool UsesAuxK => false;

    /// <summary>The sparsity coefficient when none is given (L1 for standard, L0 for JumpReLU; unused otherwise).</summary>
    public virtual double DefaultSparsityCoefficient => 0;

    /// <summary>
    /// Whether training's gradient reaches the pre-activations only at entries the architecture chooses, so the encoder
    /// backward can use <see cref="SparseEncode"/> (see <see cref="SparseAutoencoder.PreActivationsAt"/>).
    /// </summary>
    internal virtual bool EncodesSparsely => false;

    /// <summary>Whether training ends by calibrating an inference threshold over held-back batches.</summary>
    public virtual bool CalibratesThreshold => false;

    /// <summary>The tensors this architecture adds: safetensors name and whether the optimizer trains it (else a buffer).</summary>
    public virtual IReadOnlyList<(string Name, bool Trainable)> ExtraTensors => [];

    /// <summary>The initial value of extra tensor <paramref name="name"/> (shape [d_sae]) for a new SAE.</summary>
    internal virtual double InitialValue(string name, double jumpReluInitialThreshold) => 0;

    /// <summary>Latents f [..., d_sae] at inference for pre-activations [..., d_sae].</summary>
    internal abstract Tensor Activate(SparseAutoencoder sae, Tensor pre);

    /// <summary>
    /// The training activation of a batch's pre-activations [B, d_sae]: latents (for metrics and dead-latent counts),
    /// the reconstruction when the architecture decodes sparsely (null: decode the latents densely), and the sparsity
    /// loss (null: none).
    /// </summary>
    internal abstract TrainingActivation Train(SparseAutoencoder sae, Tensor pre, SaeStepInput input);

    /// <summary>A new tensor with the inference threshold θ [d_sae], or null for architectures without one.</summary>
    internal virtual Tensor? InferenceThreshold(SparseAutoencoder sae) => null;

    /// <summary>
    /// The extra tensors to write beside the four every SAE has: what SAELens reads, plus with
    /// <paramref name="checkpoint"/> what resuming needs exactly. New tensors, in the caller's dispose scope.
    /// </summary>
    internal virtual IEnumerable<(string Name, Tensor Value)> TensorsToSave(SparseAutoencoder sae, bool checkpoint) => [];

    /// <summary>Fills the extra tensors from a weights file: <paramref name="has"/> tells what the file holds, <paramref name="read"/> reads a [d_sae] tensor.</summary>
    internal virtual void LoadExtraTensors(SparseAutoencoder sae, Func<string, bool> has, Func<string, Tensor> read) { }

    /// <summary>After an optimizer step: moves an inference threshold estimate toward this batch's cutoff (BatchTopK).</summary>
    internal virtual void AfterStep(SparseAutoencoder sae, SaeStepLatents latents, double rate) { }

    /// <summary>Sets the inference threshold to <paramref name="value"/> (BatchTopK's calibration); a no-op otherwise.</summary>
    internal virtual void SetThreshold(SparseAutoencoder sae, double value) { }

    /// <summary>The training latents of a batch under this architecture, for calibrating a threshold (BatchTopK).</summary>
    internal virtual Tensor CalibrationLatents(SparseAutoencoder sae, Tensor pre) => Activate(sae, pre);
}

/// <summary>What <see cref="SaeArchitectureDefinition.Train"/> gives (tensors in the caller's dispose scope).</summary>
/// <param name="Latents">The step's latents, detached: dense, or the chosen entries.</param>
/// <param name="Reconstruction">x̂ [B, d_in], in the graph.</param>
/// <param name="Sparsity">The sparsity loss (a scalar), or null for none.</param>
internal sealed record TrainingActivation(SaeStepLatents Latents, Tensor Reconstruction, Tensor? Sparsity);
