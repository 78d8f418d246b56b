using Interp.Core;

namespace Interp.Circuits.Attribution;

/// <summary>
/// How <see cref="AttributionGraphBuilder"/> builds a graph. <see cref="Prune"/> keeps the nodes and edges that carry
/// most of the influence on the chosen logits (circuit-tracer's <c>prune_graph</c>: <see cref="NodeThreshold"/> of the
/// node influence, <see cref="EdgeThreshold"/> of the edge influence); without it the graph is complete. The logits are
/// the most probable next tokens at the last position, at most <see cref="MaxLogits"/>, stopping once their probabilities
/// add up to <see cref="DesiredLogitProbability"/> (circuit-tracer's <c>max_n_logits</c>, <c>desired_logit_prob</c>).
/// </summary>
public sealed record AttributionOptions(
    bool Prune = true, double NodeThreshold = 0.8, double EdgeThreshold = 0.98, int MaxLogits = 5,
    double DesiredLogitProbability = 0.95)
{
    /// <summary>The most nodes a graph may have: the adjacency matrix is dense (float32, nodes²).</summary>
    public const int MaxNodes = 16_384;

    private static string Meaning(string option) => option switch
    {
        nameof(NodeThreshold) => "node threshold",
        nameof(EdgeThreshold) => "edge threshold",
        nameof(MaxLogits) => "logits to attribute",
        nameof(DesiredLogitProbability) => "desired logit probability",
        _ => option,
    };

    /// <summary>Throws an <see cref="InvalidOptionException"/> for the first option out of range.</summary>
    public void Validate()
    {
        if (!(NodeThreshold is >= 0 and <= 1)) throw Refuse(n => $"{n(nameof(NodeThreshold))} {NodeThreshold}: must be between 0 and 1");
        if (!(EdgeThreshold is >= 0 and <= 1)) throw Refuse(n => $"{n(nameof(EdgeThreshold))} {EdgeThreshold}: must be between 0 and 1");
        if (MaxLogits <= 0) throw Refuse(n => $"{n(nameof(MaxLogits))} {MaxLogits}: must be positive");
        if (!(DesiredLogitProbability is > 0 and <= 1))
            throw Refuse(n => $"{n(nameof(DesiredLogitProbability))} {DesiredLogitProbability}: must be above 0 and at most 1");
    }

    private static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);
}
