namespace Interp.Web.Benchmarks;

/// <summary>What <see cref="ServerFlood"/> measured; memory in bytes (0 where /proc is not there).</summary>
/// <param name="Run">The run served.</param>
/// <param name="Source">The unit source whose pages were fetched.</param>
/// <param name="Requests">GETs sent.</param>
/// <param name="Concurrency">GETs in flight at once.</param>
/// <param name="Statuses">Answers by HTTP status (0: no answer: a timeout or a refused connection).</param>
/// <param name="Seconds">Wall time of the flood.</param>
/// <param name="ResidentBefore">Resident memory after the warm-up pages, before the flood.</param>
/// <param name="ResidentPeak">Largest resident memory sampled during the flood.</param>
/// <param name="ResidentAfter">Resident memory once settled after the flood (the lowest sample of the settling time).</param>
/// <param name="ManagedBefore">Managed heap after a full collection, before the flood.</param>
/// <param name="ManagedAfter">Managed heap after a full collection, after the flood.</param>
/// <param name="ServerGc">Whether the process runs the server garbage collector.</param>
public sealed record ServerFloodResult(string Run, string Source, int Requests, int Concurrency, IReadOnlyDictionary<int, int> Statuses, double Seconds,
    long ResidentBefore, long ResidentPeak, long ResidentAfter, long ManagedBefore, long ManagedAfter, bool ServerGc);
