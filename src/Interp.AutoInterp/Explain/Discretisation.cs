using Interp.Core.Records;

namespace Interp.AutoInterp.Explain;

/// <summary>
/// OpenAI's 0–10 scale: with <c>max</c> the largest ReLU'd activation over the records in view, an activation
/// <c>a</c> becomes <c>min(10, floor(10 · max(a, 0) / max))</c>; everything is 0 when <c>max ≤ 0</c>.
/// </summary>
public static class Discretisation
{
    /// <summary>The top of the scale.</summary>
    public const int MaxValue = 10;

    /// <summary>Largest ReLU'd activation over <paramref name="records"/> (0 when none is positive).</summary>
    public static float MaxActivation(IEnumerable<ActivationRecord> records)
    {
        var max = 0f;
        foreach (var record in records)
            foreach (var a in record.Activations)
                if (a > max) max = a;
        return max;
    }

    /// <summary>One activation on the 0–10 scale of <paramref name="max"/>.</summary>
    public static int Discretise(float activation, float max)
    {
        if (!(max > 0) || !(activation > 0)) return 0;
        return (int)Math.Min(MaxValue, Math.Floor(MaxValue * (double)activation / max));
    }

    /// <summary>A record's activations on the 0–10 scale of <paramref name="max"/>.</summary>
    public static int[] Discretise(IReadOnlyList<float> activations, float max)
    {
        var values = new int[activations.Count];
        for (var i = 0; i < values.Length; i++) values[i] = Discretise(activations[i], max);
        return values;
    }
}
