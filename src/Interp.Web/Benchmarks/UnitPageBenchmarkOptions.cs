using Interp.Core;

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

    /// <summary>The options by meaning, for messages.</summary>
    public static string Meaning(string option) => option == nameof(RunFolder) ? "the run folder option" : option;

    /// <summary>The run folder served: <see cref="RunFolder"/>, else the nearest run folder above <paramref name="records"/>.</summary>
    /// <exception cref="InvalidOptionException">No run folder given and none above the records.</exception>
    internal string RunFolderFor(string records) => RunFolder is { } run ? Path.GetFullPath(run) : UnitPageBenchmark.FindRun(records)
        ?? throw new InvalidOptionException(o => $"{records}: no run folder above it (one holding activations/, sae/, records/ or autointerp/); name one with {o(nameof(RunFolder))}",
            Meaning);
}
