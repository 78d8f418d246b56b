using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// Which logits a graph explains, as circuit-tracer's <c>compute_salient_logits</c> picks them: the most probable next
/// tokens, at most <see cref="AttributionOptions.MaxLogits"/>, the fewest whose probabilities reach
/// <see cref="AttributionOptions.DesiredLogitProbability"/>.
/// </summary>
internal static class LogitSelection
{
    /// <summary>Vocabulary ids and their probabilities, most probable first, for logits <c>[V]</c>.</summary>
    public static (int[] Ids, double[] Probabilities) Choose(Tensor logits, AttributionOptions options)
    {
        using var scope = NewDisposeScope();
        var (top, ids) = logits.to_type(ScalarType.Float64).softmax(-1).topk((int)Math.Min(options.MaxLogits, logits.shape[0]));
        var probabilities = top.cpu().data<double>().ToArray();
        var vocabulary = ids.cpu().data<long>().ToArray();
        var (kept, cumulative) = (0, 0.0);
        while (kept < probabilities.Length && cumulative < options.DesiredLogitProbability) cumulative += probabilities[kept++];
        return ([.. vocabulary.Take(kept).Select(v => (int)v)], probabilities[..kept]);
    }
}
