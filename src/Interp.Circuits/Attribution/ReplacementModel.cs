using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// The replacement model's frozen linear system, run backwards: with attention patterns and LayerNorm scales fixed to
/// the forward pass's and every MLP replaced by its transcoder (whose features and error are sources, not functions of
/// the input), what remains between the residual stream and a node's input is linear — the residual connections, the
/// LayerNorms' centring (divided by the frozen scale, times γ), attention's OV circuit mixed by the frozen pattern and a
/// skip transcoder's <c>x · W_skipᵀ</c>. Each method maps a gradient on an output (<c>[B, T, d]</c>: one row per target
/// node, over every position) to the gradient on the input. The constant terms (LayerNorm β, b_V, b_O, b_dec, b_U) are
/// no part of it: <see cref="AttentionConstant"/> and <see cref="Ln2Bias"/> give them to the graph's bias nodes.
/// </summary>
internal sealed class ReplacementModel
{
    private readonly FrozenForward _forward;
    private readonly TranscoderParts[] _transcoders;
    private readonly Tensor[] _ln1Gamma, _ln2Gamma, _valueWeight, _outputWeight;
    private readonly Tensor _finalGamma;
    private readonly int _heads, _headSize;

    /// <summary>Reads the model's weights (new tensors on the caller's dispose scope).</summary>
    public ReplacementModel(Gpt2 model, TranscoderParts[] transcoders, FrozenForward forward)
    {
        (_forward, _transcoders) = (forward, transcoders);
        (_heads, _headSize) = (model.Config.NHead, model.Config.DHead);
        var d = model.Config.NEmbd;
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter.detach());
        var layers = Enumerable.Range(0, model.Config.NLayer).ToArray();
        _ln1Gamma = [.. layers.Select(l => p[$"h.{l}.ln_1.weight"])];
        _ln2Gamma = [.. layers.Select(l => p[$"h.{l}.ln_2.weight"])];
        Ln2Bias = [.. layers.Select(l => p[$"h.{l}.ln_2.bias"])];
        _valueWeight = [.. layers.Select(l => p[$"h.{l}.attn.c_attn.weight"].narrow(1, 2 * d, d))];   // W_V [d, d]: v = a·W_V + b_V
        _outputWeight = [.. layers.Select(l => p[$"h.{l}.attn.c_proj.weight"])];                     // W_O [d, d]: out = z·W_O + b_O
        // Rows of a pattern sum to one, so β₁ and b_V reach every position as the same vector through W_O.
        AttentionConstant = [.. layers.Select(l =>
            (p[$"h.{l}.ln_1.bias"].matmul(_valueWeight[l]) + p[$"h.{l}.attn.c_attn.bias"].narrow(0, 2 * d, d)).matmul(_outputWeight[l])
            + p[$"h.{l}.attn.c_proj.bias"])];
        _finalGamma = p["ln_f.weight"];
        FinalBias = p["ln_f.bias"];
    }

    /// <summary>Per block: what attention adds at every position whatever the input, <c>(β₁·W_V + b_V)·W_O + b_O</c> <c>[d]</c>.</summary>
    public Tensor[] AttentionConstant { get; }

    /// <summary>Per block: ln2's β <c>[d]</c> (part of every transcoder input).</summary>
    public Tensor[] Ln2Bias { get; }

    /// <summary>ln_final's β <c>[d]</c>.</summary>
    public Tensor FinalBias { get; }

    /// <summary>From ln_final's output to the residual stream after the last block.</summary>
    public Tensor FinalNormBackward(Tensor gradient) => NormBackward(gradient, _finalGamma, _forward.FinalScale);

    /// <summary>From block <paramref name="layer"/>'s MLP input (ln2's output) to its residual stream before the MLP.</summary>
    public Tensor MlpInputBackward(Tensor gradient, int layer) => NormBackward(gradient, _ln2Gamma[layer], _forward.Ln2Scale[layer]);

    /// <summary>
    /// Through block <paramref name="layer"/>'s MLP slot, from the residual stream after it to before it: the identity,
    /// plus the skip path through ln2 for a skip transcoder (its features and error are sources, not paths).
    /// </summary>
    public Tensor MlpBackward(Tensor gradient, int layer) => _transcoders[layer].SkipWeight is not { } skip ? gradient
        : gradient + MlpInputBackward(gradient.matmul(skip), layer);                              // out = n·W_skipᵀ: ∂n = g·W_skip

    /// <summary>Through block <paramref name="layer"/>'s attention, from the residual stream after it to before it.</summary>
    public Tensor AttentionBackward(Tensor gradient, int layer)
    {
        var (batch, time) = (gradient.shape[0], gradient.shape[1]);
        var z = gradient.matmul(_outputWeight[layer].t())                                         // ∂z [B, T, d]
            .view(batch, time, _heads, _headSize).transpose(1, 2);                                // [B, nh, T, hs]
        var v = _forward.Patterns[layer].transpose(-1, -2).matmul(z)                              // ∂v[s] = Σ_t P[t, s] ∂z[t]
            .transpose(1, 2).reshape(batch, time, _heads * _headSize);                            // [B, T, d]
        var normalized = v.matmul(_valueWeight[layer].t());                                       // ∂(ln1 output)
        return gradient + NormBackward(normalized, _ln1Gamma[layer], _forward.Ln1Scale[layer]);
    }

    /// <summary>
    /// A frozen LayerNorm y = γ ∘ (x − mean x) / σ + β has Jacobian diag(γ)·C/σ with C = I − 11ᵀ/d symmetric, so the
    /// gradient on x is C(γ ∘ g)/σ: scale, then remove the mean over d_model. <paramref name="scale"/> is σ <c>[T, 1]</c>.
    /// </summary>
    private static Tensor NormBackward(Tensor gradient, Tensor gamma, Tensor scale)
    {
        var h = gradient * gamma / scale;
        return h - h.mean([-1], keepdim: true);
    }
}
