using Interp.Core;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Model;

public sealed partial class Gpt2
{
    // W_Uᵀ (V, d) and b_U (V) once weight processing has untied the unembedding from wte; null while it is tied.
    private Tensor? _unembedWeight, _unembedBias;

    /// <summary>The TransformerLens weight processing these weights went through (none as loaded from the checkpoint).</summary>
    public TlProcessing Processing { get; private set; } = TlProcessing.None;

    /// <summary>Logits <c>(…, V)</c> from <c>ln_final</c>'s output <c>(…, d)</c>: the tied <c>wte</c>, or W_U and b_U after processing.</summary>
    public Tensor Unembed(Tensor normalized) =>
        _unembedWeight is null ? F.linear(normalized, wte.weight!) : F.linear(normalized, _unembedWeight, _unembedBias);

    /// <summary>
    /// W_Uᵀ <c>[V, d]</c>, the matrix <see cref="Unembed"/> multiplies by: <see cref="TokenEmbedding"/> while tied, the
    /// processed unembedding after fold_ln, center_writing_weights or center_unembed (b_U, a constant per token, aside).
    /// Each call returns a new handle on the same weights.
    /// </summary>
    public Tensor UnembeddingWeight => _unembedWeight is null ? wte.weight! : _unembedWeight.detach();

    /// <summary>
    /// Applies TransformerLens's weight processing in place (see <see cref="WeightProcessing"/>); once per model, before
    /// any hook or cache relies on the old weights. The model computes the same log-probabilities afterwards.
    /// </summary>
    public void ApplyProcessing(TlProcessing processing)
    {
        if (!Processing.IsNone) throw new InvalidOperationException($"weights were already processed ({Processing})");
        if (processing.IsNone) return;
        var parameters = named_parameters().ToDictionary(p => p.name, p => p.parameter);
        (_unembedWeight, _unembedBias) = WeightProcessing.Apply(parameters, Config, processing);
        Processing = processing;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _unembedWeight?.Dispose();
            _unembedBias?.Dispose();
        }
        base.Dispose(disposing);
    }
}
