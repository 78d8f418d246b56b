namespace Interp.Web.Runs;

/// <summary>
/// The runs under <see cref="Root"/>: each subfolder that looks like a run, or the folder itself when it is one run
/// (<c>interp serve --runs runs/quickstart</c>). Rescanned when the last scan is older than <see cref="MaxAge"/>.
/// Thread-safe.
/// </summary>
public sealed class RunCatalog(string root) : IRunCatalog
{
    /// <summary>How long a scan is reused.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private IReadOnlyList<RunInfo> _runs = [];
    private DateTime _scanned = DateTime.MinValue;

    /// <inheritdoc />
    public string Root { get; } = Path.GetFullPath(root);

    /// <inheritdoc />
    public IReadOnlyList<RunInfo> Runs()
    {
        lock (_lock)
        {
            if (DateTime.UtcNow - _scanned > MaxAge)
            {
                _runs = Scan();
                _scanned = DateTime.UtcNow;
            }
            return _runs;
        }
    }

    /// <inheritdoc />
    public RunInfo? Find(string name) => Runs().FirstOrDefault(r => r.Name == name);

    private IReadOnlyList<RunInfo> Scan()
    {
        if (!Directory.Exists(Root)) return [];
        if (RunScanner.IsRun(Root)) return [RunScanner.Scan(Root, Path.GetFileName(Root.TrimEnd(Path.DirectorySeparatorChar)))];
        return Directory.EnumerateDirectories(Root)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && RunScanner.IsRun(d))
            .Order(StringComparer.Ordinal)
            .Select(d => RunScanner.Scan(d, Path.GetFileName(d)))
            .ToArray();
    }
}
