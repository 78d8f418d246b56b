using System.Globalization;
using System.Runtime.InteropServices;
using Interp.Core;
using Interp.Core.Records;
using Microsoft.Data.Sqlite;

namespace Interp.Records;

/// <summary>
/// A finished records store (<c>records.db</c>, see FORMAT.md), opened read-only: the unit list with summary statistics
/// (sortable, filterable, for a feature list of tens of thousands of units), and one unit's full record by id
/// (one indexed row plus the contexts its windows use; well under a millisecond for a typical unit).
/// Thread-safe: calls share one connection under a lock.
/// </summary>
/// <example>
/// <code>
/// using var store = UnitRecordStore.Open("runs/demo/records");
/// var record = store.Read(store.Units[417]);
/// var densest = store.Query(new UnitQuery { OrderBy = UnitOrder.Density, Descending = true, Limit = 20 });
/// </code>
/// </example>
public sealed class UnitRecordStore : IUnitRecordSource, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, string> _vocab = [];
    private readonly HashSet<int> _indices;
    private readonly Dictionary<long, int[]> _contexts = [];   // token ids of contexts read so far (windows of many units share them)
    private SqliteCommand? _recordQuery, _contextQuery;
    private bool _vocabLoaded;

    // Contexts kept in memory at most (about 64 MB of token ids at ctx 128); the cache starts over when full.
    private const int MaxCachedContexts = 1 << 17;

    private UnitRecordStore(string path, SqliteConnection connection, RecordsManifest manifest, int[] indices)
    {
        (Path, _connection, Manifest) = (path, connection, manifest);
        Units = indices.Select(i => new UnitId(manifest.Source, i)).ToArray();
        _indices = [.. indices];
    }

    /// <summary>The database's file name in a records folder; it appears (renamed from <c>.partial</c>) only when the store is finished.</summary>
    public const string DatabaseFileName = RecordsSchema.DatabaseFile;

    /// <summary>The <c>records.db</c> file.</summary>
    public string Path { get; }

    /// <summary>What the store was built from and how.</summary>
    public RecordsManifest Manifest { get; }

    /// <summary>The units' source (every <see cref="UnitId.Source"/> in this store).</summary>
    public string Source => Manifest.Source;

    /// <inheritdoc />
    public IReadOnlyList<UnitId> Units { get; }

    /// <summary>
    /// Opens a records folder (holding <c>records.db</c>) or the file itself. Refuses a missing, unfinished or damaged store.
    /// </summary>
    /// <exception cref="InterpException">No store there, only a partial one, or not a records store; the message names the path.</exception>
    public static UnitRecordStore Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = Directory.Exists(path) ? System.IO.Path.Combine(path, RecordsSchema.DatabaseFile) : path;
        if (!File.Exists(file))
        {
            var partial = file + RecordsSchema.PartialSuffix;
            if (File.Exists(partial))
                throw new InterpException($"{file}: records are unfinished ({partial} is there); re-run the same `interp records` command to finish them");
            // "BuildRecordsInto" names how to build records into a folder (DIR): the CLI spells it as its command line.
            var folder = System.IO.Path.GetDirectoryName(file) ?? ".";
            throw new InvalidOptionException(o => $"{file}: no records store here (build one with {o("BuildRecordsInto").Replace("DIR", folder, StringComparison.Ordinal)})",
                option => option == "BuildRecordsInto" ? "the records stage into DIR" : option);
        }
        var connection = new SqliteConnection(RecordsSchema.ConnectionString(file, readOnly: true));
        try
        {
            connection.Open();
            var meta = new Dictionary<string, string>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT key, value FROM meta;";
                using var reader = command.ExecuteReader();
                while (reader.Read()) meta[reader.GetString(0)] = reader.GetString(1);
            }
            if (meta.GetValueOrDefault("complete") != "1" || !meta.TryGetValue("manifest", out var json))
                throw new InterpException($"{file}: records store is unfinished");
            var manifest = RecordsManifest.Parse(json, $"{file} (meta.manifest)");
            var indices = new List<int>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT idx FROM units ORDER BY idx;";
                using var reader = command.ExecuteReader();
                while (reader.Read()) indices.Add(reader.GetInt32(0));
            }
            return new UnitRecordStore(file, connection, manifest, [.. indices]);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new InterpException($"{file}: not a readable records store ({e.Message})", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public UnitRecord Read(UnitId id)
    {
        if (id.Source != Source) throw new InterpException($"{Path}: unit {id} is not in this store (its units are {Source}/0…)");
        return Read(id.Index);
    }

    /// <summary>The record of unit <paramref name="index"/> of <see cref="Source"/>.</summary>
    /// <exception cref="InterpException">No such unit, or its record is damaged.</exception>
    public UnitRecord Read(int index)
    {
        var id = new UnitId(Source, index);
        if (!_indices.Contains(index)) throw new InterpException($"{Path}: unit {id} is not in this store ({Units.Count} units)");
        lock (_lock)
        {
            LoadVocab();
            _recordQuery ??= Prepare("SELECT data FROM unit_records WHERE idx = $idx;", "$idx");
            _recordQuery.Parameters[0].Value = index;
            var blob = _recordQuery.ExecuteScalar() as byte[] ?? throw new InterpException($"{Path}: unit {id} has no record");
            int[] Tokens(long context)
            {
                if (_contexts.TryGetValue(context, out var tokens)) return tokens;
                _contextQuery ??= Prepare("SELECT tokens FROM contexts WHERE context = $c;", "$c");
                _contextQuery.Parameters[0].Value = context;
                var bytes = _contextQuery.ExecuteScalar() as byte[] ?? throw new InterpException($"{Path}: unit {id}: context {context} is missing");
                if (_contexts.Count >= MaxCachedContexts) _contexts.Clear();
                return _contexts[context] = MemoryMarshal.Cast<byte, int>(bytes).ToArray();
            }
            return UnitRecordCodec.Decode(blob, id, Tokens, TokenString, Path);
        }
    }

    /// <summary>Every unit's summary row, by index.</summary>
    public IReadOnlyList<UnitSummary> Summaries() => Query(new UnitQuery { Limit = int.MaxValue });

    /// <summary>A sorted, filtered page of summary rows.</summary>
    public IReadOnlyList<UnitSummary> Query(UnitQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var column = query.OrderBy switch
        {
            UnitOrder.Max => "max",
            UnitOrder.Mean => "mean",
            UnitOrder.Density => "density",
            _ => "idx",
        };
        var rows = new List<UnitSummary>();
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            var where = new List<string>();
            if (query.MinDensity is { } minDensity) { where.Add("density >= $min_density"); command.Parameters.AddWithValue("$min_density", minDensity); }
            if (query.MaxDensity is { } maxDensity) { where.Add("density <= $max_density"); command.Parameters.AddWithValue("$max_density", maxDensity); }
            if (query.MinMax is { } minMax) { where.Add("max >= $min_max"); command.Parameters.AddWithValue("$min_max", minMax); }
            var direction = query.Descending ? "DESC" : "ASC";
            command.CommandText = "SELECT idx, max, mean, density, active, tokens_seen, top_token, top_logit FROM units" +
                                  (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                                  $" ORDER BY {column} {direction}, idx {direction} LIMIT $limit OFFSET $offset;";
            command.Parameters.AddWithValue("$limit", Math.Max(0, query.Limit));
            command.Parameters.AddWithValue("$offset", Math.Max(0, query.Offset));
            using var reader = command.ExecuteReader();
            while (reader.Read())
                rows.Add(new UnitSummary(new UnitId(Source, reader.GetInt32(0)), (float)reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3),
                    reader.GetInt64(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return rows;
    }

    /// <summary>Bytes of each unit's stored record (compressed), by index.</summary>
    public IReadOnlyDictionary<int, long> RecordBytes()
    {
        var bytes = new Dictionary<int, long>();
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT idx, bytes FROM units;";
            using var reader = command.ExecuteReader();
            while (reader.Read()) bytes[reader.GetInt32(0)] = reader.GetInt64(1);
        }
        return bytes;
    }

    /// <summary>Closes the store.</summary>
    public void Dispose()
    {
        _recordQuery?.Dispose();
        _contextQuery?.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Prepare(string sql, string parameter)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new SqliteParameter(parameter, null));
        command.Prepare();
        return command;
    }

    private string TokenString(int id) => _vocab.TryGetValue(id, out var text) ? text : $"<{id.ToString(CultureInfo.InvariantCulture)}>";

    private void LoadVocab()
    {
        if (_vocabLoaded) return;
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, token FROM vocab;";
        using var reader = command.ExecuteReader();
        while (reader.Read()) _vocab[reader.GetInt32(0)] = reader.GetString(1);
        _vocabLoaded = true;
    }
}
