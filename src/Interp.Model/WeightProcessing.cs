using Interp.Core;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Interp.Model;

/// <summary>
/// TransformerLens's weight processing (<c>transformer_lens/weight_processing.py</c>, <c>ProcessWeights.process_weights</c>;
/// <c>HookedTransformer.load_and_process_state_dict</c> in older versions), done in place on a GPT-2's Hugging Face
/// parameters, in TransformerLens's order: fold_ln, center_writing_weights, center_unembed, fold_value_biases. Every step
/// leaves the log-probabilities unchanged. Hugging Face layouts: Conv1D weights are [in, out]; <c>c_attn</c> holds Q, K, V
/// side by side ([d, 3d], heads flattened); the unembedding is kept as [V, d] (W_Uᵀ, <c>F.linear</c>'s layout).
/// </summary>
internal static class WeightProcessing
{
    /// <summary>
    /// Processes <paramref name="parameters"/> (state-dict key → parameter) in place. Returns the unembedding
    /// (W_Uᵀ [V, d], b_U [V]) when a step changes it or W_E — TransformerLens keeps <c>unembed.W_U</c> as its own copy
    /// of W_E — and nulls when the tied <c>wte</c> still serves.
    /// </summary>
    public static (Tensor? Weight, Tensor? Bias) Apply(IReadOnlyDictionary<string, Parameter> parameters, Gpt2Config config, TlProcessing processing)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor P(string key) => parameters[key];
        Tensor? unembedWeight = null, unembedBias = null;
        if (processing.FoldLn || processing.CenterWritingWeights || processing.CenterUnembed)
        {
            unembedWeight = P("wte.weight").detach().clone();                                   // (V, d)
            unembedBias = zeros(config.VocabSize, device: unembedWeight.device);                // (V)
        }

        if (processing.FoldLn)
        {
            for (var l = 0; l < config.NLayer; l++)
            {
                var h = $"h.{l}.";
                FoldIntoReader(P(h + "attn.c_attn.weight"), P(h + "attn.c_attn.bias"), P(h + "ln_1.weight"), P(h + "ln_1.bias"));
                FoldIntoReader(P(h + "mlp.c_fc.weight"), P(h + "mlp.c_fc.bias"), P(h + "ln_2.weight"), P(h + "ln_2.bias"));
            }
            // ln_final into the unembedding ([V, d] here, so d is the last axis).
            var (w, b) = (P("ln_f.weight"), P("ln_f.bias"));
            unembedBias!.add_(unembedWeight!.matmul(b));                                        // b_U + W_Uᵀ·b_ln
            unembedWeight.mul_(w);                                                               // W_U · diag(w_ln)
            unembedWeight.sub_(unembedWeight.mean([1], keepdim: true));                          // centre over d_model
            w.fill_(1);
            b.zero_();
        }

        if (processing.CenterWritingWeights)
        {
            // Each row that is added to the residual stream loses its mean over d_model.
            CentreRows(P("wte.weight"));                                                         // W_E (V, d)
            CentreRows(P("wpe.weight"));                                                         // W_pos (P, d)
            for (var l = 0; l < config.NLayer; l++)
            {
                var h = $"h.{l}.";
                CentreRows(P(h + "attn.c_proj.weight"));                                         // W_O (d, d)
                CentreVector(P(h + "attn.c_proj.bias"));                                         // b_O (d)
                CentreRows(P(h + "mlp.c_proj.weight"));                                          // W_out (m, d)
                CentreVector(P(h + "mlp.c_proj.bias"));                                          // b_out (d)
            }
        }

        if (processing.CenterUnembed)
        {
            // Every logit of a position moves by the same amount: softmax does not see it.
            unembedWeight!.sub_(unembedWeight.mean([0], keepdim: true));                         // over the vocabulary
            CentreVector(unembedBias!);
        }

        if (processing.FoldValueBiases)
        {
            for (var l = 0; l < config.NLayer; l++)
            {
                var h = $"h.{l}.";
                // Attention rows sum to 1, so every head's z carries b_V whole: b_O += Σ_heads b_V·W_O, then b_V = 0.
                var valueBias = P(h + "attn.c_attn.bias").narrow(0, 2 * config.NEmbd, config.NEmbd);  // b_V (d) view
                var outputBias = P(h + "attn.c_proj.bias");                                          // b_O (d)
                outputBias.add_(valueBias.matmul(P(h + "attn.c_proj.weight")));
                valueBias.zero_();
                // As process_weights does after folding: b_O stays centred when writing weights are.
                if (processing.CenterWritingWeights) CentreVector(outputBias);
            }
        }

        return (unembedWeight?.DetachFromDisposeScope(), unembedBias?.DetachFromDisposeScope());
    }

    /// <summary>
    /// fold_ln for one LayerNorm and the Conv1D reading it (weight [d, out], bias [out]): the bias takes b_ln·W, the
    /// weight's rows scale by w_ln, then each column loses its mean over d_model (LNPre's output has zero mean, so
    /// that changes nothing); the LayerNorm becomes 1 and 0.
    /// </summary>
    private static void FoldIntoReader(Tensor weight, Tensor bias, Tensor lnWeight, Tensor lnBias)
    {
        bias.add_(lnBias.matmul(weight));                          // (out)
        weight.mul_(lnWeight.unsqueeze(1));                        // (d, out)
        weight.sub_(weight.mean([0], keepdim: true));              // (d, out) - (1, out)
        lnWeight.fill_(1);
        lnBias.zero_();
    }

    private static void CentreRows(Tensor weight) => weight.sub_(weight.mean([1], keepdim: true));

    private static void CentreVector(Tensor vector) => vector.sub_(vector.mean());
}
