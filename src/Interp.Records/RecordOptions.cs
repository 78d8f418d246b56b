using Interp.Core;

namespace Interp.Records;

/// <summary>
/// How unit records are sampled (<c>interp records</c>): window length, how many windows of each kind, the quantile
/// bands, histogram resolution, logit-effect and neighbour counts, the seed, and the memory budget that decides how many
/// units are built per pass over the activations.
/// </summary>
public sealed record RecordOptions
{
    /// <summary>
    /// The dashboards' interpretability bands below the top (quantiles of the unit's activating contexts' peaks), as in
    /// Neuronpedia / SAEDashboard: [0.99, 0.999], [0.9, 0.99], [0.5, 0.9], [0, 0.5].
    /// </summary>
    public static readonly IReadOnlyList<(double Low, double High)> DefaultBands = [(0.99, 0.999), (0.9, 0.99), (0.5, 0.9), (0.0, 0.5)];

    /// <summary>Tokens per window (OpenAI's records are 64 tokens). A context shorter than this is one whole window.</summary>
    public int Window { get; init; } = 64;

    /// <summary>Top-activating windows kept per unit (one per context, around the context's maximum).</summary>
    public int Top { get; init; } = 40;

    /// <summary>Windows sampled per quantile band.</summary>
    public int BandSamples { get; init; } = 10;

    /// <summary>The quantile bands (low, high), highest first.</summary>
    public IReadOnlyList<(double Low, double High)> Bands { get; init; } = DefaultBands;

    /// <summary>Uniformly random windows per unit.</summary>
    public int Random { get; init; } = 20;

    /// <summary>
    /// Random windows in which the unit fires (around the context's maximum): delphi's detection and fuzzing draw 2 from
    /// each of 10 equal-count deciles of these after leaving out those that overlap the explainer's (10 by default), so
    /// 40 leaves at least 20 to draw from wherever the unit fires in more than 30 contexts.
    /// </summary>
    public int RandomActivating { get; init; } = 40;

    /// <summary>Random windows in which the unit is ≤ 0 at every token.</summary>
    public int NonActivating { get; init; } = 20;

    /// <summary>Bins of the histogram of non-zero activations.</summary>
    public int HistogramBins { get; init; } = 50;

    /// <summary>Promoted and suppressed tokens kept per unit (logit effect).</summary>
    public int LogitTokens { get; init; } = 10;

    /// <summary>Bins of the logit-effect histogram over the vocabulary.</summary>
    public int LogitHistogramBins { get; init; } = 50;

    /// <summary>Nearest units kept (decoder or output-weight cosine).</summary>
    public int Nearest { get; init; } = 10;

    /// <summary>Seed of every random choice; the same seed and inputs give the same records.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Memory for the windows kept while building (MiB); units are built in chunks that fit, each chunk reading the
    /// activations twice. 0 builds all selected units in one chunk.
    /// </summary>
    public int MemoryMegabytes { get; init; } = 512;

    /// <summary>Units per chunk, overriding <see cref="MemoryMegabytes"/> when positive.</summary>
    public int UnitsPerChunk { get; init; }

    /// <summary>Values (contexts × positions × units) per block read from the source at once.</summary>
    public int BlockValues { get; init; } = 4 << 20;

    /// <summary>Where the maximum sits inside a window around it: <c>⌊Window × 3/4⌋</c> tokens from its start (causal models
    /// fire on what came before, so most of the window is preceding context).</summary>
    public int PeakOffset => Window * 3 / 4;

    /// <summary>The options of a records job (its and <see cref="RecordsJobOptions"/>'s property names) by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        nameof(Window) => "window length",
        nameof(Top) => "top windows per unit",
        nameof(BandSamples) => "windows per quantile band",
        nameof(Random) => "random windows per unit",
        nameof(RandomActivating) => "random activating windows per unit",
        nameof(NonActivating) => "non-activating windows per unit",
        nameof(LogitTokens) => "logit tokens",
        nameof(Nearest) => "nearest units",
        nameof(MemoryMegabytes) => "memory for kept windows (MiB)",
        nameof(RecordsJobOptions.Units) => "units",
        nameof(RecordsJobOptions.Batch) => "contexts per batch",
        nameof(RecordsJobOptions.Hook) => "hook name",
        nameof(RecordsJobOptions.Activations) => "activation store",
        nameof(RecordsJobOptions.Model) => Interp.Model.ModelSource.Meaning(option),
        nameof(RecordsJobOptions.OutDirectory) or nameof(RecordsJobOptions.Overwrite) => OutputPath.Meaning(option),
        _ => Interp.Model.Harvest.ContextBuilder.Meaning(option),
    };

    /// <summary>A records option refused, named by <see cref="Meaning"/> unless a front end renames it.</summary>
    internal static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);

    /// <summary>Checks every value; an <see cref="InterpException"/> names the option that is wrong.</summary>
    public void Validate()
    {
        if (Window < 1) throw Refuse(n => $"{n(nameof(Window))} {Window}: must be at least 1");
        if (Top < 1) throw Refuse(n => $"{n(nameof(Top))} {Top}: must be at least 1");
        foreach (var (name, value) in new[] { (nameof(BandSamples), BandSamples), (nameof(Random), Random), (nameof(RandomActivating), RandomActivating),
                     (nameof(NonActivating), NonActivating), (nameof(LogitTokens), LogitTokens), (nameof(Nearest), Nearest) })
            if (value < 0) throw Refuse(n => $"{n(name)} {value}: must not be negative");
        if (HistogramBins < 1 || LogitHistogramBins < 1) throw new InterpException("histogram bins must be at least 1");
        if (MemoryMegabytes < 0) throw Refuse(n => $"{n(nameof(MemoryMegabytes))} {MemoryMegabytes}: must not be negative");
        if (UnitsPerChunk < 0) throw new InterpException($"units per chunk {UnitsPerChunk}: must not be negative");
        if (BlockValues < 1) throw new InterpException($"block values {BlockValues}: must be at least 1");
        foreach (var (low, high) in Bands)
            if (!(low >= 0 && low < high && high <= 1)) throw new InterpException($"quantile band [{low}, {high}]: need 0 ≤ low < high ≤ 1");
    }

    /// <summary>Bytes of windows one unit keeps while its chunk is built (for <see cref="MemoryMegabytes"/>).</summary>
    internal long BytesPerUnit =>
        (long)(Top + BandSamples * Bands.Count + Random + RandomActivating + NonActivating) * (Window * sizeof(float) + 64) + 4096;
}
