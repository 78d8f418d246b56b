using Interp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

/// <summary>
/// Synthetic activations with a known dictionary: <see cref="Directions"/> random unit vectors in <see cref="D"/>
/// dimensions; each row is a non-negative mix of <c>minActive..maxActive</c> distinct directions with coefficients
/// uniform in [0.5, 1.5]. Every batch is drawn from a generator seeded by (seed, batch index), so the stream is endless,
/// repeatable and skippable.
/// </summary>
internal sealed class SyntheticDictionarySource(int d, int directions, int minActive, int maxActive, int dictionarySeed = 7) : IActivationSource
{
    public int D { get; } = d;

    /// <summary>The true dictionary, row-major [directions × d], rows of unit norm.</summary>
    public float[] Directions { get; } = RandomUnitRows(directions, d, dictionarySeed);

    public int Count => directions;

    /// <summary>Batches whose index is in this set come back full of NaN (to test the non-finite stop).</summary>
    public HashSet<long> PoisonedBatches { get; } = [];

    public IEnumerable<float[]> Batches(int batchSize, int seed, long skipBatches = 0)
    {
        for (var index = skipBatches; ; index++)
        {
            var batch = new float[batchSize * D];
            if (PoisonedBatches.Contains(index))
            {
                Array.Fill(batch, float.NaN);
                yield return batch;
                continue;
            }
            var random = new Random(unchecked(seed * 7919 + (int)index));
            Span<int> chosen = stackalloc int[maxActive];
            for (var r = 0; r < batchSize; r++)
            {
                var active = random.Next(minActive, maxActive + 1);
                for (var a = 0; a < active; a++)
                {
                    int j;
                    do j = random.Next(directions); while (chosen[..a].Contains(j));
                    chosen[a] = j;
                    var c = (float)(0.5 + random.NextDouble());
                    var row = batch.AsSpan(r * D, D);
                    var direction = Directions.AsSpan(j * D, D);
                    for (var k = 0; k < D; k++) row[k] += c * direction[k];
                }
            }
            yield return batch;
        }
    }

    public static float[] RandomUnitRows(int rows, int d, int seed)
    {
        var random = new Random(seed);
        var data = new float[rows * d];
        for (var i = 0; i < rows; i++)
        {
            double norm = 0;
            for (var k = 0; k < d; k++)
            {
                // Box–Muller: a standard normal from two uniforms.
                var g = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                data[i * d + k] = (float)g;
                norm += g * g;
            }
            norm = Math.Sqrt(norm);
            for (var k = 0; k < d; k++) data[i * d + k] = (float)(data[i * d + k] / norm);
        }
        return data;
    }

    /// <summary>Mean over the true directions of the largest cosine with any decoder row.</summary>
    public double MeanMaxCosine(SparseAutoencoder sae)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var truth = tensor(Directions, [directions, D]);                                       // unit rows
        var decoder = sae.DecoderWeight.detach().cpu();
        decoder = decoder / decoder.norm(1, keepdim: true);
        return truth.matmul(decoder.t()).max(1).values.mean().item<float>();
    }
}

internal static class T
{
    public static long LiveTensors => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    public static float[] ToArray(Tensor t)
    {
        using var cpu = t.detach().cpu().contiguous();
        return cpu.data<float>().ToArray();
    }

    public static float MaxAbsDifference(Tensor a, Tensor b)
    {
        using var difference = (a - b).abs().max();
        return difference.item<float>();
    }

    public static Tensor RandomRows(int rows, int d, int seed, float scale = 1f)
    {
        var data = SyntheticDictionarySource.RandomUnitRows(rows, d, seed);
        for (var i = 0; i < data.Length; i++) data[i] *= scale * (1 + i % 3);
        return tensor(data, [rows, d]);
    }

    public static SaeConfig Config(SaeArchitecture architecture, int dIn = 16, int dSae = 64, int k = 4, string hook = "blocks.1.hook_resid_pre") => new()
    {
        Architecture = architecture,
        DIn = dIn,
        DSae = dSae,
        K = architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK ? k : 0,
        HookName = hook,
        HookLayer = SaeConfig.LayerOf(hook),
        ModelName = "tiny-random-gpt2",
    };
}
