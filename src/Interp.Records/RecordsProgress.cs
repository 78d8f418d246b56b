using Interp.Core;

namespace Interp.Records;

/// <summary>Progress of a records build, reported after each block of contexts.</summary>
/// <param name="Phase">What is running: <c>pass 1</c> (statistics, top windows), <c>pass 2</c> (samples, histograms), <c>effects</c>.</param>
/// <param name="Chunk">The unit chunk being built, 1-based.</param>
/// <param name="Chunks">Unit chunks in this run.</param>
/// <param name="Contexts">Contexts done in this pass.</param>
/// <param name="TotalContexts">Contexts in one pass.</param>
/// <param name="UnitsDone">Units finished so far (earlier runs included).</param>
/// <param name="TotalUnits">Units to build in all.</param>
/// <param name="Elapsed">Time since this run started.</param>
public sealed record RecordsProgress(string Phase, int Chunk, int Chunks, long Contexts, long TotalContexts, int UnitsDone, int TotalUnits, TimeSpan Elapsed)
    : IJobProgress
{
    /// <summary>Contexts read by this run's passes so far: two passes a chunk (<c>effects</c> ends a chunk's second pass).</summary>
    public long Done => ((Chunk - 1) * 2L + (Phase == "pass 1" ? 0 : 1)) * TotalContexts + (Phase == "effects" ? TotalContexts : Contexts);

    /// <summary>Contexts this run's passes read in all.</summary>
    public long Total => Chunks * 2L * TotalContexts;

    /// <summary>One plain line: the chunk and pass, contexts of the pass, units finished.</summary>
    public string Describe() =>
        $"chunk {Chunk}/{Chunks} {Phase}: {Contexts:N0}/{TotalContexts:N0} contexts | {UnitsDone:N0}/{TotalUnits:N0} units done";
}
