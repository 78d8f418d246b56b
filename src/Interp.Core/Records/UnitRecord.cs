namespace Interp.Core.Records;

/// <summary>Records whose peak activation falls in a quantile band of the unit's activating windows, e.g. [0.9, 0.99).</summary>
public sealed record QuantileBand(double LowQuantile, double HighQuantile, float LowActivation, float HighActivation, IReadOnlyList<ActivationRecord> Records);

/// <summary>A histogram: <c>Edges.Length == Counts.Length + 1</c>.</summary>
public sealed record Histogram(double[] Edges, long[] Counts);

/// <summary>A token and a value: a logit effect (the unit's output direction through the unembedding).</summary>
public sealed record TokenEffect(int TokenId, string Token, float Value);

/// <summary>Another unit of the same source and its similarity (decoder cosine for SAE latents).</summary>
public sealed record NeighbourUnit(int Index, float Similarity);

/// <summary>
/// Everything known about one unit's behaviour over a corpus (one record per neuron or latent), in the shape of
/// Neuronpedia's feature pages and OpenAI's neuron records:
/// <list type="bullet">
/// <item><see cref="Top"/>: the most-activating windows, highest first (OpenAI's "top", dealt into splits by the scorer);</item>
/// <item><see cref="Bands"/>: windows sampled from quantile bands of the activating windows (dashboards' interpretability bands);</item>
/// <item><see cref="Random"/>: windows sampled uniformly from the corpus (OpenAI's "random" records);</item>
/// <item><see cref="RandomActivating"/> / <see cref="NonActivating"/>: windows where it fires somewhere / nowhere (delphi's sets).</item>
/// </list>
/// Density is the fraction of tokens where the activation is &gt; 0.
/// </summary>
public sealed record UnitRecord
{
    /// <summary>Which unit.</summary>
    public required UnitId Id { get; init; }
    /// <summary>Tokens the statistics were computed over.</summary>
    public required long TokensSeen { get; init; }
    /// <summary>Tokens with activation &gt; 0.</summary>
    public required long ActiveTokens { get; init; }
    /// <summary>Largest activation seen.</summary>
    public required float MaxActivation { get; init; }
    /// <summary>Mean activation over all tokens seen.</summary>
    public required double MeanActivation { get; init; }
    /// <summary>Most-activating windows, highest peak first.</summary>
    public required IReadOnlyList<ActivationRecord> Top { get; init; }
    /// <summary>Windows from quantile bands of the activating windows.</summary>
    public IReadOnlyList<QuantileBand> Bands { get; init; } = [];
    /// <summary>Windows sampled uniformly from the corpus.</summary>
    public IReadOnlyList<ActivationRecord> Random { get; init; } = [];
    /// <summary>Random windows in which the unit fires somewhere.</summary>
    public IReadOnlyList<ActivationRecord> RandomActivating { get; init; } = [];
    /// <summary>Random windows in which the unit never fires.</summary>
    public IReadOnlyList<ActivationRecord> NonActivating { get; init; } = [];
    /// <summary>Histogram of the non-zero activations.</summary>
    public Histogram? ActivationHistogram { get; init; }
    /// <summary>Tokens whose logits the unit raises most, largest first.</summary>
    public IReadOnlyList<TokenEffect> LogitPositive { get; init; } = [];
    /// <summary>Tokens whose logits the unit lowers most, most negative first.</summary>
    public IReadOnlyList<TokenEffect> LogitNegative { get; init; } = [];
    /// <summary>Histogram of the unit's logit effect over the whole vocabulary.</summary>
    public Histogram? LogitHistogram { get; init; }
    /// <summary>Most similar units of the same source.</summary>
    public IReadOnlyList<NeighbourUnit> Nearest { get; init; } = [];

    /// <summary>Fraction of tokens with activation &gt; 0.</summary>
    public double Density => TokensSeen == 0 ? 0 : (double)ActiveTokens / TokensSeen;
}
