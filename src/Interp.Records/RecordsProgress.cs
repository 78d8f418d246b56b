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
public sealed record RecordsProgress(string Phase, int Chunk, int Chunks, long Contexts, long TotalContexts, int UnitsDone, int TotalUnits, TimeSpan Elapsed);
