using System.Collections.Concurrent;
using System.Text.Json;
using Interp.Records;
using Interp.Core;
using Interp.Core.Records;
using Interp.Web.Runs;
using Microsoft.Extensions.Logging;

namespace Interp.Web.Units;

/// <summary>
/// <see cref="IUnitPageSource"/> over the run catalog: records stores are opened once and kept open (read-only SQLite);
/// a source's rows (summaries joined with results) are cached until a results file changes. A store that turns out to
/// be damaged when read throws an <see cref="InterpException"/> saying so (the pages show it), is logged once as a
/// warning, and is listed in <see cref="Problems"/>.
/// </summary>
public sealed class RecordsUnitPageSource(IRunCatalog catalog, ILogger<RecordsUnitPageSource>? logger = null) : IUnitPageSource, IDisposable
{
    private readonly ConcurrentDictionary<string, string> _damage = new(StringComparer.Ordinal);   // message → run

    private readonly ConcurrentDictionary<string, Lazy<UnitRecordStore>> _stores = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ResultsIndex> _results = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedRows> _rows = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public IReadOnlyList<UnitSourceRef> Sources(string run) =>
        catalog.Find(run) is { } info
            ? info.Records.Where(r => r.Complete && r.Source is not null)
                .Select(r => new UnitSourceRef(info.Name, r.Source!, r.Kind, r.Hook, r.SourceUnits, r.UnitCount, r.Tokens, r.Folder)).ToArray()
            : [];

    /// <inheritdoc />
    public UnitSourceRef? FindSource(string run, string source) => Sources(run).FirstOrDefault(s => s.Source == source);

    /// <inheritdoc />
    public IReadOnlyList<UnitRow> Rows(UnitSourceRef source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var results = ResultIndexes(source.Run);
        var stamp = string.Join('|', results.Select(r => $"{r.Path}:{r.Length}:{r.Written.Ticks}"));
        if (_rows.TryGetValue(source.RecordsFolder, out var cached) && cached.Stamp == stamp) return cached.Rows;
        var summaries = Damageable(source, null, () => Store(source.RecordsFolder).Summaries());
        var scored = SourceScores(results);
        var rows = summaries.Select(s =>
        {
            var unit = s.Id.ToString();
            var result = results.Select(r => r.Summary(unit)).LastOrDefault(r => r is not null);
            return new UnitRow(s.Id.Index, s.MaxActivation, s.MeanActivation, s.Density, s.ActiveTokens, s.TopToken, s.TopLogit,
                result?.Explanation, result?.Correlation, result is { Ok: false }, scored.GetValueOrDefault(unit));
        }).ToArray();
        _rows[source.RecordsFolder] = new CachedRows(stamp, rows, rows.Select((r, i) => (r.Index, i)).ToDictionary(p => p.Index, p => p.i));
        return rows;
    }

    // Per unit, the best defined correlation of its scored explanations from each source (for sorting the list).
    private static Dictionary<string, IReadOnlyDictionary<string, double>> SourceScores(IReadOnlyList<ResultsIndex> results) =>
        results.SelectMany(index => index.ImportedUnits.SelectMany(index.Imported))
            .Where(r => r.Ok && r.Source is not null && r.Scores?.Correlation is { } c && double.IsFinite(c))
            .GroupBy(r => r.Unit, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, double>)g.GroupBy(r => r.Source!, StringComparer.Ordinal)
                .ToDictionary(s => s.Key, s => s.Max(r => r.Scores!.Correlation!.Value), StringComparer.Ordinal), StringComparer.Ordinal);

    /// <inheritdoc />
    public UnitListResult List(UnitSourceRef source, UnitListQuery query) => UnitList.Apply(Rows(source), query);

    /// <inheritdoc />
    public UnitPageData? Find(string run, UnitId unit)
    {
        var source = FindSource(run, unit.Source);
        if (source is null) return null;
        var rows = Rows(source);
        var positions = _rows[source.RecordsFolder].Positions;
        if (!positions.TryGetValue(unit.Index, out var at)) return null;
        var record = Damageable(source, unit, () => Store(source.RecordsFolder).Read(unit.Index));
        Interp.AutoInterp.Batch.UnitResult? result = null;
        string? problem = null;
        var indexes = ResultIndexes(run);
        foreach (var index in indexes)
        {
            try
            {
                if (index.Read(unit.ToString()) is { } r) result = r;
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                problem = $"{index.Path}: the result of {unit} is unreadable ({e.Message.Split('\n')[0]})";
            }
        }
        var imported = Interp.AutoInterp.Import.Ranking.Of(indexes.SelectMany(i => i.Imported(unit.ToString()))).FirstOrDefault()?.Explanations;
        return new UnitPageData(source, record, result, problem, at > 0 ? rows[at - 1].Index : null, at + 1 < rows.Count ? rows[at + 1].Index : null, imported);
    }

    /// <inheritdoc />
    public IReadOnlyList<Interp.AutoInterp.Batch.ScoredRecordResult>? SimulatedRecords(string run, UnitId unit, string source, string explanation)
    {
        // interp score stores each explanation's simulation in its results line, so nothing is simulated again here.
        IReadOnlyList<Interp.AutoInterp.Batch.ScoredRecordResult>? records = null;
        foreach (var index in ResultIndexes(run))
        {
            try
            {
                if (index.ReadImported(unit.ToString(), source, explanation) is { Records: { } r }) records = r;
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                logger?.LogWarning("{Path}: the scored records of {Unit} from {Source} are unreadable ({Why})", index.Path, unit, source, e.Message.Split('\n')[0]);
            }
        }
        return records;
    }

    /// <summary>What reading the stores of <paramref name="run"/> found damaged so far, one line each.</summary>
    public IReadOnlyList<string> Problems(string run) => _damage.Where(d => d.Value == run).Select(d => d.Key).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Closes the records stores.</summary>
    public void Dispose()
    {
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated)) store.Value.Dispose();
        _stores.Clear();
    }

    private UnitRecordStore Store(string folder)
    {
        var lazy = _stores.GetOrAdd(folder, f => new Lazy<UnitRecordStore>(() => UnitRecordStore.Open(f), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (InterpException)
        {
            _stores.TryRemove(folder, out _);   // try again next time (e.g. the store was being finished)
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="read"/> on <paramref name="source"/>'s store; a store that cannot be read (truncated, not a
    /// database, a damaged row) becomes an <see cref="InterpException"/> in words, logged once.
    /// </summary>
    private T Damageable<T>(UnitSourceRef source, UnitId? unit, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (IsDamage(e))
        {
            var file = Path.Combine(source.RecordsFolder, UnitRecordStore.DatabaseFileName);
            var detail = e is InterpException ? "" : $" ({e.Message.Split('\n')[0]})";
            var message = unit is { } u ? $"{file}: the record of {u} is damaged{detail}"
                : e is InterpException ? e.Message : $"{file}: cannot be read{detail}";
            if (_damage.TryAdd(message, source.Run)) logger?.LogWarning("{Problem}", message);
            throw new InterpException(message, e);
        }
    }

    // What a damaged SQLite file or record blob throws on the way up (SQLite errors, decoding errors), as opposed to bugs.
    private static bool IsDamage(Exception e) =>
        e is InterpException or Microsoft.Data.Sqlite.SqliteException or IOException or InvalidDataException or InvalidCastException
            or FormatException or OverflowException or ArgumentException or IndexOutOfRangeException;

    private IReadOnlyList<ResultsIndex> ResultIndexes(string run)
    {
        var info = catalog.Find(run);
        if (info is null) return [];
        var indexes = new List<ResultsIndex>();
        foreach (var file in info.Results)
        {
            if (!_results.TryGetValue(file.Path, out var index) || !index.IsCurrent())
            {
                try { index = ResultsIndex.Build(file.Path); }
                catch (IOException) { continue; }
                _results[file.Path] = index;
            }
            indexes.Add(index);
        }
        return indexes;
    }

    private sealed record CachedRows(string Stamp, UnitRow[] Rows, Dictionary<int, int> Positions);
}
