using Interp.Core.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Tests;

/// <summary>
/// LayerNorm, bias and loader handling against <see cref="ReferenceGpt2"/>. The tiny-random-gpt2 fixture has every
/// LayerNorm gain 1 and every bias 0, so it cannot catch a dropped gain, bias or epsilon; <see cref="RandomGpt2"/> can.
/// </summary>
public sealed class ReferenceForwardTests(RandomGpt2Folder folder) : IClassFixture<RandomGpt2Folder>
{
    private static readonly long[][] Tokens = [[0, 7, 49, 3, 3, 21, 30], [12, 12, 1, 48, 5, 0, 9]];

    [Fact]
    public void Random_model_logits_match_an_independent_double_precision_forward_within_1e_5()
    {
        // The folder's keys carry the "transformer." prefix, plus attn.bias / attn.masked_bias buffers and lm_head.weight.
        using var model = Gpt2.Load(folder.Folder);
        Assert.Equal(RandomGpt2.LayerNormEpsilon, model.Config.LayerNormEpsilon);
        var reference = ReferenceGpt2.Forward(folder.Model.Float32Weights, Tokens, RandomGpt2.NEmbd, RandomGpt2.NHead,
            RandomGpt2.NLayer, RandomGpt2.LayerNormEpsilon);
        AssertMatchesReference(model, reference, 1e-5);
    }

    [Fact]
    public void Keys_without_the_transformer_prefix_and_without_buffers_load_the_same_model()
    {
        using var temp = new TempDir();
        var plain = folder.Model.WriteFolder(temp.Sub("plain"), folder.Model.Entries(prefix: "", buffers: false, lmHead: false));
        using var prefixed = Gpt2.Load(folder.Folder);
        using var unprefixed = Gpt2.Load(plain);
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        using var a = prefixed.Run(tokens);
        using var b = unprefixed.Run(tokens);
        Assert.Equal(0.0, T.MaxAbsDiff(a, b));
    }

    [Fact]
    public void Every_parameter_holds_exactly_the_value_written_under_its_key()
    {
        using var model = Gpt2.Load(folder.Folder);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(folder.Model.Weights.Keys.Order(), parameters.Keys.Order());
        foreach (var (key, (shape, data)) in folder.Model.Weights)
        {
            Assert.Equal(shape, parameters[key].shape);
            Assert.True(data.SequenceEqual(parameters[key].data<float>().ToArray()), $"{key}: values differ from the file");
        }
    }

    [Theory]
    [InlineData(SafetensorsDtype.F16)]
    [InlineData(SafetensorsDtype.BF16)]
    public void Half_precision_checkpoints_load_exactly_and_give_logits_close_to_float32(SafetensorsDtype dtype)
    {
        using var temp = new TempDir();
        var dir = folder.Model.WriteFolder(temp.Sub(dtype.ToString()), folder.Model.Entries(dtype));
        using var model = Gpt2.Load(dir);
        using var f32 = Gpt2.Load(folder.Folder);

        // 1. The conversion is exact: each parameter is the file's half-precision value widened to float32.
        var rounded = folder.Model.RoundedWeights(dtype);
        foreach (var (name, parameter) in model.named_parameters())
            Assert.True(rounded[name].SequenceEqual(parameter.data<float>().ToArray()), $"{dtype} {name}: not the widened file values");

        // 2. So the model is the reference forward of the rounded weights (same 1e-5 as float32).
        var reference = ReferenceGpt2.Forward(rounded, Tokens, RandomGpt2.NEmbd, RandomGpt2.NHead, RandomGpt2.NLayer,
            RandomGpt2.LayerNormEpsilon);
        AssertMatchesReference(model, reference, 1e-5);

        // 3. And close to the float32 model. Rounding perturbs each weight by at most a relative u (F16: 2^-11 ≈ 4.9e-4,
        //    BF16: 2^-8 ≈ 3.9e-3); through 2 layers of ~O(1)-gain maps these add up to a few u relative to the logits'
        //    scale. Allow 16·u·max|logit| (F16 ≈ 8e-3·max, BF16 ≈ 6e-2·max), and require that the rounding is visible
        //    at all (the file really held half precision).
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        using var half = model.Run(tokens);
        using var full = f32.Run(tokens);
        var u = dtype == SafetensorsDtype.F16 ? Math.Pow(2, -11) : Math.Pow(2, -8);
        var scale = full.abs().max().item<float>();
        var diff = T.MaxAbsDiff(full, half);
        Assert.True(diff <= 16 * u * scale, $"{dtype}: max |logit difference| {diff:G4} > 16·u·max|logit| = {16 * u * scale:G4}");
        Assert.True(diff > 0, $"{dtype}: logits identical to float32 — the weights were not rounded");
    }

    private static void AssertMatchesReference(Gpt2 model, double[][][] reference, double atol)
    {
        using var noGrad = no_grad();
        using var tokens = T.Tokens(Tokens);
        using var logits = model.Run(tokens);                                         // (B, T, V)
        Assert.Equal(new long[] { Tokens.Length, Tokens[0].Length, RandomGpt2.VocabSize }, logits.shape);
        var actual = T.Values(logits);
        var worst = 0.0;
        var where = "";
        for (var b = 0; b < Tokens.Length; b++)
            for (var t = 0; t < Tokens[0].Length; t++)
                for (var v = 0; v < RandomGpt2.VocabSize; v++)
                {
                    var d = Math.Abs(actual[(b * Tokens[0].Length + t) * RandomGpt2.VocabSize + v] - reference[b][t][v]);
                    if (!(d <= worst)) (worst, where) = (d, $"[{b}, {t}, {v}]");
                }
        var range = reference.SelectMany(r => r.SelectMany(x => x)).Max(Math.Abs);
        Assert.True(range > 1, $"the reference logits are too small ({range:G3}) to make this comparison meaningful");
        Assert.True(worst <= atol, $"logits differ from the reference forward by {worst:G4} at {where} (> {atol})");
    }
}
