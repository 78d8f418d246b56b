using System.Globalization;
using System.Text.Json.Serialization;
using Interp.Core.Store;

namespace Interp.Records;

// The typed blocks of a records manifest besides the model (Core's ModelIdentity) and the SAE (Interp.Sae's SaeIdentity).
// Their property order and names are the manifest's keys: existing records.db and manifest.json files must still load.

/// <summary>
/// The corpus a records store covers: the store's (or run's) <see cref="CorpusRecord"/> plus the two context rules an
/// activation manifest keeps at its top level, the token limit and the BOS rule, which a records manifest keeps here.
/// </summary>
/// <param name="Files">The corpus files in order (<see cref="CorpusRecord.Files"/>).</param>
/// <param name="StreamTokens">Tokens of the joined stream that were tokenised (<see cref="CorpusRecord.StreamTokens"/>).</param>
/// <param name="Rule">The context rule, in words.</param>
/// <param name="MaxTokens">The token limit asked for, if any (written as <c>null</c> when none).</param>
/// <param name="PrependBos">Whether every context starts with BOS.</param>
public sealed record RecordsCorpus(
    IReadOnlyList<CorpusFile> Files, long StreamTokens, string Rule,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never), JsonPropertyOrder(1)] long? MaxTokens,
    [property: JsonPropertyOrder(1)] bool PrependBos)
    : CorpusRecord(Files, StreamTokens, Rule)
{
    /// <summary>The corpus <paramref name="record"/> read with the token limit and BOS rule.</summary>
    public static RecordsCorpus Of(CorpusRecord record, long? maxTokens, bool prependBos)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new RecordsCorpus(record.Files, record.StreamTokens, record.Rule, maxTokens, prependBos);
    }
}

/// <summary>The sampling options a records store was built with (<see cref="RecordOptions"/> less the memory and chunking
/// settings, which do not change the records).</summary>
/// <param name="Window">Tokens per window.</param>
/// <param name="PeakOffset">Where the maximum sits inside its window.</param>
/// <param name="Top">Top-activating windows per unit.</param>
/// <param name="BandSamples">Windows per quantile band.</param>
/// <param name="Bands">The quantile bands, each <c>[low, high]</c>.</param>
/// <param name="Random">Uniformly random windows per unit.</param>
/// <param name="RandomActivating">Random windows in which the unit fires.</param>
/// <param name="NonActivating">Random windows in which the unit is ≤ 0 throughout.</param>
/// <param name="HistogramBins">Bins of the activation histogram.</param>
/// <param name="LogitTokens">Promoted and suppressed tokens per unit.</param>
/// <param name="LogitHistogramBins">Bins of the logit-effect histogram.</param>
/// <param name="Nearest">Nearest units per unit.</param>
/// <param name="Seed">Seed of every random choice.</param>
public sealed record RecordsSampling(
    int Window, int PeakOffset, int Top, int BandSamples, IReadOnlyList<double[]> Bands, int Random, int RandomActivating,
    int NonActivating, int HistogramBins, int LogitTokens, int LogitHistogramBins, int Nearest, int Seed)
{
    /// <summary>The manifest's record of <paramref name="o"/>.</summary>
    public static RecordsSampling Of(RecordOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new RecordsSampling(o.Window, o.PeakOffset, o.Top, o.BandSamples, o.Bands.Select(b => new[] { b.Low, b.High }).ToArray(),
            o.Random, o.RandomActivating, o.NonActivating, o.HistogramBins, o.LogitTokens, o.LogitHistogramBins, o.Nearest, o.Seed);
    }
}

/// <summary>How a records store was made: not part of the job's identity.</summary>
/// <param name="FinishedUtc">When it was finished (round-trip <c>O</c> format).</param>
/// <param name="SecondsLastRun">Wall time of the run that finished it, to 0.01 s.</param>
/// <param name="UnitsResumed">Units an interrupted earlier run had finished.</param>
/// <param name="UnitsPerChunk">Units built per pass over the activations.</param>
public sealed record RecordsBuild(string FinishedUtc, double SecondsLastRun, int UnitsResumed, int UnitsPerChunk)
{
    /// <summary>The build info of a run finished now.</summary>
    public static RecordsBuild FinishedNow(TimeSpan elapsed, int unitsResumed, int unitsPerChunk) =>
        new(DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture), Math.Round(elapsed.TotalSeconds, 2), unitsResumed, unitsPerChunk);
}
