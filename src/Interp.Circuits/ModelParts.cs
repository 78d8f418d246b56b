using Interp.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Circuits;

/// <summary>
/// The weights the analyses read by their Hugging Face state-dict keys (<c>ln_f.weight</c>, <c>h.0.attn.c_proj.weight</c>),
/// and the model's final read-out applied to any residual-stream vectors.
/// </summary>
internal static class ModelParts
{
    /// <summary>The parameter with this state-dict key (the model's own tensor: do not dispose it).</summary>
    public static Tensor Parameter(Gpt2 model, string key) =>
        model.named_parameters().FirstOrDefault(p => p.name == key).parameter
        ?? throw new InvalidOperationException($"the model has no parameter {key}");

    /// <summary>ln_final applied to residual vectors <c>(…, d)</c>, as the model's own forward pass applies it.</summary>
    public static Tensor LnFinal(Gpt2 model, Tensor residual) =>
        F.layer_norm(residual, [model.Config.NEmbd], Parameter(model, "ln_f.weight"), Parameter(model, "ln_f.bias"), model.Config.LayerNormEpsilon);

    /// <summary>The unembedding's bias b_U <c>(V)</c>: zero while the unembedding is tied to wte, set by weight processing.</summary>
    public static Tensor UnembedBias(Gpt2 model)
    {
        using var zero = zeros(1, model.Config.NEmbd, device: model.Device);
        return model.Unembed(zero)[0];
    }
}
