namespace Interp.AutoInterp.Simulate;

/// <summary>
/// A simulator's prediction for one record: <see cref="Expected"/> holds one value per token on the 0–10 scale (the
/// expected value of the predicted distribution where one is known). <see cref="Distributions"/>, when not null,
/// holds per token the values and probabilities the expectation was taken over (OpenAI's
/// <c>distribution_values</c>/<c>distribution_probabilities</c>). <see cref="Changed"/> is true when an LLM wrote the
/// record back with different tokens, in which case every prediction is 0 (OpenAI's rule).
/// </summary>
public sealed record SequenceSimulation(float[] Expected, IReadOnlyList<ValueDistribution>? Distributions = null, bool Changed = false)
{
    /// <summary>All zeros for <paramref name="length"/> tokens, marked as changed.</summary>
    public static SequenceSimulation ChangedRecord(int length) => new(new float[length], null, true);
}

/// <summary>A discrete distribution over 0–10 values for one token.</summary>
public sealed record ValueDistribution(float[] Values, float[] Probabilities);
