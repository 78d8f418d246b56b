using System.Globalization;
using System.Runtime.InteropServices;
using Interp.Core.Safetensors;

namespace Interp.Model.Tests;

/// <summary>
/// A small GPT-2 with random, non-trivial weights — LayerNorm gains far from 1, LayerNorm and Conv1D biases far from 0,
/// a layer_norm_epsilon large enough to matter — written as a Hugging Face folder by the test itself (not by
/// <see cref="Gpt2.SaveHuggingFace"/>), so the loader and the forward pass can be checked against
/// <see cref="ReferenceGpt2"/>.
/// </summary>
internal sealed class RandomGpt2
{
    public const int VocabSize = 50, NPositions = 32, NEmbd = 16, NLayer = 2, NHead = 2;

    /// <summary>Large enough that a model ignoring the configured epsilon (using 1e-5) misses the 1e-5 tolerance.</summary>
    public const double LayerNormEpsilon = 1e-3;

    public const int DMlp = 4 * NEmbd;

    /// <summary>The weights by Hugging Face key (no <c>transformer.</c> prefix): shape and row-major float32 data.</summary>
    public IReadOnlyDictionary<string, (long[] Shape, float[] Data)> Weights { get; }

    public RandomGpt2(int seed = 1234)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var weights = new Dictionary<string, (long[], float[])>();

        void Add(string key, long[] shape, Func<double> sample)
        {
            var n = shape.Aggregate(1L, (a, b) => a * b);
            weights[key] = (shape, Enumerable.Range(0, (int)n).Select(_ => (float)sample()).ToArray());
        }
        Func<double> Gauss(double scale) => () => scale * Normal();
        Func<double> Uniform(double lo, double hi) => () => lo + (hi - lo) * random.NextDouble();

        Add("wte.weight", [VocabSize, NEmbd], Gauss(0.5));
        Add("wpe.weight", [NPositions, NEmbd], Gauss(0.5));
        for (var l = 0; l < NLayer; l++)
        {
            var p = $"h.{l}.";
            Add(p + "ln_1.weight", [NEmbd], Uniform(0.5, 1.5));
            Add(p + "ln_1.bias", [NEmbd], Uniform(-0.5, 0.5));
            Add(p + "attn.c_attn.weight", [NEmbd, 3 * NEmbd], Gauss(0.3));
            Add(p + "attn.c_attn.bias", [3 * NEmbd], Uniform(-0.5, 0.5));
            Add(p + "attn.c_proj.weight", [NEmbd, NEmbd], Gauss(0.3));
            Add(p + "attn.c_proj.bias", [NEmbd], Uniform(-0.5, 0.5));
            Add(p + "ln_2.weight", [NEmbd], Uniform(0.5, 1.5));
            Add(p + "ln_2.bias", [NEmbd], Uniform(-0.5, 0.5));
            Add(p + "mlp.c_fc.weight", [NEmbd, DMlp], Gauss(0.3));
            Add(p + "mlp.c_fc.bias", [DMlp], Uniform(-0.5, 0.5));
            Add(p + "mlp.c_proj.weight", [DMlp, NEmbd], Gauss(0.2));
            Add(p + "mlp.c_proj.bias", [NEmbd], Uniform(-0.5, 0.5));
        }
        Add("ln_f.weight", [NEmbd], Uniform(0.5, 1.5));
        Add("ln_f.bias", [NEmbd], Uniform(-0.5, 0.5));
        Weights = weights;
    }

    /// <summary>A Hugging Face <c>config.json</c>, written by hand (not with <see cref="Gpt2Config.Save"/>).</summary>
    public static string ConfigJson(string? dropKey = null)
    {
        var pairs = new (string Key, string Value)[]
        {
            ("model_type", "\"gpt2\""), ("architectures", "[\"GPT2LMHeadModel\"]"), ("vocab_size", $"{VocabSize}"),
            ("n_positions", $"{NPositions}"), ("n_ctx", $"{NPositions}"), ("n_embd", $"{NEmbd}"), ("n_layer", $"{NLayer}"),
            ("n_head", $"{NHead}"), ("n_inner", "null"), ("activation_function", "\"gelu_new\""),
            ("layer_norm_epsilon", LayerNormEpsilon.ToString("R", CultureInfo.InvariantCulture)), ("tie_word_embeddings", "true"),
        };
        return "{\n" + string.Join(",\n", pairs.Where(p => p.Key != dropKey).Select(p => $"  \"{p.Key}\": {p.Value}")) + "\n}\n";
    }

    /// <summary>
    /// The safetensors entries the way a GPT2LMHeadModel checkpoint holds them: every weight as <paramref name="dtype"/>
    /// under <paramref name="prefix"/>, with the <c>attn.bias</c>/<c>attn.masked_bias</c> buffers (which a loader must
    /// ignore) and, optionally, the tied <c>lm_head.weight</c>.
    /// </summary>
    public List<SafetensorsWriter.Entry> Entries(SafetensorsDtype dtype = SafetensorsDtype.F32, string prefix = "transformer.",
        bool buffers = true, bool lmHead = true)
    {
        var entries = Weights.Select(w => new SafetensorsWriter.Entry(prefix + w.Key, dtype, w.Value.Shape, Encode(w.Value.Data, dtype)))
            .ToList();
        if (buffers)
        {
            for (var l = 0; l < NLayer; l++)
            {
                // As in HF checkpoints: a [1, 1, n_positions, n_positions] lower-triangular mask and a -1e4 scalar.
                var mask = new float[NPositions * NPositions];
                for (var i = 0; i < NPositions; i++)
                    for (var j = 0; j <= i; j++) mask[i * NPositions + j] = 1;
                entries.Add(new($"{prefix}h.{l}.attn.bias", SafetensorsDtype.F32, [1, 1, NPositions, NPositions], Encode(mask, SafetensorsDtype.F32)));
                entries.Add(new($"{prefix}h.{l}.attn.masked_bias", SafetensorsDtype.F32, [], Encode([-1e4f], SafetensorsDtype.F32)));
            }
        }
        if (lmHead)
            entries.Add(new("lm_head.weight", dtype, Weights["wte.weight"].Shape, Encode(Weights["wte.weight"].Data, dtype)));
        return entries;
    }

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> (default entries when none given) to <paramref name="dir"/>.</summary>
    public string WriteFolder(string dir, IEnumerable<SafetensorsWriter.Entry>? entries = null)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), ConfigJson());
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), entries ?? Entries(), new Dictionary<string, string> { ["format"] = "pt" });
        return dir;
    }

    /// <summary>The weights as the loader should see them after a round trip through <paramref name="dtype"/>.</summary>
    public IReadOnlyDictionary<string, float[]> RoundedWeights(SafetensorsDtype dtype) =>
        Weights.ToDictionary(w => w.Key, w => w.Value.Data.Select(x => Round(x, dtype)).ToArray());

    public IReadOnlyDictionary<string, float[]> Float32Weights => Weights.ToDictionary(w => w.Key, w => w.Value.Data);

    public static byte[] Encode(float[] data, SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F32 => MemoryMarshal.AsBytes(data.AsSpan()).ToArray(),
        SafetensorsDtype.F16 => MemoryMarshal.AsBytes(data.Select(x => BitConverter.HalfToUInt16Bits((Half)x)).ToArray().AsSpan()).ToArray(),
        SafetensorsDtype.BF16 => MemoryMarshal.AsBytes(data.Select(ToBFloat16Bits).ToArray().AsSpan()).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "F32, F16 or BF16"),
    };

    /// <summary>x rounded to <paramref name="dtype"/> and back to float32.</summary>
    public static float Round(float x, SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F32 => x,
        SafetensorsDtype.F16 => (float)(Half)x,
        SafetensorsDtype.BF16 => BitConverter.UInt32BitsToSingle((uint)ToBFloat16Bits(x) << 16),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "F32, F16 or BF16"),
    };

    /// <summary>float32 → bfloat16 with round-to-nearest-even (PyTorch's conversion; the weights here are finite).</summary>
    private static ushort ToBFloat16Bits(float x)
    {
        var bits = BitConverter.SingleToUInt32Bits(x);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }
}

/// <summary>
/// An independent GPT-2 forward pass in double precision with plain arrays and loops — no TorchSharp — written from the
/// GPT-2 definition: LayerNorm from mean and biased variance with epsilon, Conv1D as x·W + b with W stored [in, out],
/// attention with an explicit causal mask and a max-subtracted softmax, the tanh GELU
/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), and logits from the tied token embedding.
/// </summary>
internal static class ReferenceGpt2
{
    /// <summary>Logits <c>[row][position][vocab]</c> for each row of <paramref name="tokens"/>.</summary>
    public static double[][][] Forward(IReadOnlyDictionary<string, float[]> w, long[][] tokens, int nEmbd, int nHead, int nLayer,
        double eps)
    {
        return tokens.Select(row => ForwardRow(w, row, nEmbd, nHead, nLayer, eps)).ToArray();
    }

    private static double[][] ForwardRow(IReadOnlyDictionary<string, float[]> w, long[] tokens, int d, int nHead, int nLayer, double eps)
    {
        var time = tokens.Length;
        var wte = w["wte.weight"];
        var wpe = w["wpe.weight"];
        var x = new double[time][];
        for (var t = 0; t < time; t++)
        {
            x[t] = new double[d];
            for (var i = 0; i < d; i++) x[t][i] = (double)wte[tokens[t] * d + i] + wpe[t * d + i];
        }

        for (var l = 0; l < nLayer; l++)
        {
            var p = $"h.{l}.";
            var a = x.Select(v => LayerNorm(v, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)).ToArray();
            var qkv = a.Select(v => Conv1D(v, w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"])).ToArray(); // (T, 3d)
            var z = Attention(qkv, d, nHead);                                                                      // (T, d)
            var attnOut = z.Select(v => Conv1D(v, w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"])).ToArray();
            for (var t = 0; t < time; t++)
                for (var i = 0; i < d; i++) x[t][i] += attnOut[t][i];

            var m = x.Select(v => LayerNorm(v, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)).ToArray();
            var hidden = m.Select(v => Conv1D(v, w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"]).Select(GeluTanh).ToArray()).ToArray();
            var mlpOut = hidden.Select(v => Conv1D(v, w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"])).ToArray();
            for (var t = 0; t < time; t++)
                for (var i = 0; i < d; i++) x[t][i] += mlpOut[t][i];
        }

        var vocab = wte.Length / d;
        var logits = new double[time][];
        for (var t = 0; t < time; t++)
        {
            var final = LayerNorm(x[t], w["ln_f.weight"], w["ln_f.bias"], eps);
            logits[t] = new double[vocab];
            for (var v = 0; v < vocab; v++)
            {
                double s = 0;
                for (var i = 0; i < d; i++) s += final[i] * wte[v * d + i];
                logits[t][v] = s;
            }
        }
        return logits;
    }

    public static double[] LayerNorm(double[] x, float[] gain, float[] bias, double eps)
    {
        var mean = x.Average();
        var variance = x.Select(v => (v - mean) * (v - mean)).Average();
        var inv = 1 / Math.Sqrt(variance + eps);
        return x.Select((v, i) => (v - mean) * inv * gain[i] + bias[i]).ToArray();
    }

    /// <summary>x·W + b with W stored <c>[in, out]</c> row-major (Hugging Face Conv1D).</summary>
    public static double[] Conv1D(double[] x, float[] weight, float[] bias)
    {
        var outDim = bias.Length;
        var y = new double[outDim];
        for (var o = 0; o < outDim; o++)
        {
            double s = bias[o];
            for (var i = 0; i < x.Length; i++) s += x[i] * weight[i * outDim + o];
            y[o] = s;
        }
        return y;
    }

    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    /// <summary>Multi-head causal self-attention on the fused q|k|v rows; returns the heads' outputs concatenated.</summary>
    private static double[][] Attention(double[][] qkv, int d, int nHead)
    {
        var time = qkv.Length;
        var hs = d / nHead;
        var allowed = new bool[time, time];                    // explicit causal mask: query i sees key j iff j ≤ i
        for (var i = 0; i < time; i++)
            for (var j = 0; j < time; j++) allowed[i, j] = j <= i;

        var z = Enumerable.Range(0, time).Select(_ => new double[d]).ToArray();
        for (var h = 0; h < nHead; h++)
        {
            for (var i = 0; i < time; i++)
            {
                var scores = new double[time];
                for (var j = 0; j < time; j++)
                {
                    if (!allowed[i, j]) { scores[j] = double.NegativeInfinity; continue; }
                    double s = 0;
                    for (var c = 0; c < hs; c++) s += qkv[i][h * hs + c] * qkv[j][d + h * hs + c];
                    scores[j] = s / Math.Sqrt(hs);
                }
                var max = scores.Max();
                var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
                var sum = exp.Sum();
                for (var j = 0; j < time; j++)
                {
                    var pj = exp[j] / sum;
                    for (var c = 0; c < hs; c++) z[i][h * hs + c] += pj * qkv[j][2 * d + h * hs + c];
                }
            }
        }
        return z;
    }
}

/// <summary>A <see cref="RandomGpt2"/> written once per test class to a temp folder (F32, prefixed keys, HF buffers).</summary>
public sealed class RandomGpt2Folder : IDisposable
{
    private readonly TempDir _temp = new();

    public RandomGpt2Folder()
    {
        Model = new RandomGpt2();
        Folder = Model.WriteFolder(_temp.Sub("random-gpt2"));
    }

    internal RandomGpt2 Model { get; }

    public string Folder { get; }

    public string WeightsFile => Path.Combine(Folder, "model.safetensors");

    public void Dispose() => _temp.Dispose();
}
