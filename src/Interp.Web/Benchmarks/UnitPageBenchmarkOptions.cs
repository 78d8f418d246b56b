namespace Interp.Web.Benchmarks;

/// <summary>What <see cref="UnitPageBenchmark"/> renders: which records store, from which run, how many pages.</summary>
public sealed record UnitPageBenchmarkOptions
{
    /// <summary>The records folder (holding <c>records.db</c>) whose unit pages are timed.</summary>
    public required string RecordsFolder { get; init; }

    /// <summary>The run folder the app serves; null: the nearest folder above <see cref="RecordsFolder"/> that looks like a run.</summary>
    public string? RunFolder { get; init; }

    /// <summary>Units timed, drawn at random without repeats (all of them when the store has fewer).</summary>
    public int Units { get; init; } = 200;

    /// <summary>Pages fetched first and not timed (the JIT, SQLite's page cache and the app's caches warm up).</summary>
    public int Warmup { get; init; } = 20;

    /// <summary>Seed of the random choice of units.</summary>
    public int Seed { get; init; }
}
