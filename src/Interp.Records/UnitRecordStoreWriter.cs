using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Records;
using Microsoft.Data.Sqlite;

namespace Interp.Records;

/// <summary>
/// Writes a records store (see FORMAT.md) so that no reader ever sees a half-written one: records go to
/// <c>records.db.partial</c>, one transaction per chunk of units, and only a finished store is renamed to
/// <c>records.db</c> (then <c>manifest.json</c> is written beside it, atomically). Opening a folder whose partial store
/// was made by the same job resumes it: <see cref="DoneUnits"/> are skipped. Not thread-safe.
/// </summary>
public sealed class UnitRecordStoreWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly string _folder, _partial, _final;
    private readonly int _ctx;
    private readonly Dictionary<long, int[]> _contexts = [];
    private readonly HashSet<int> _vocab = [];
    private readonly HashSet<int> _done;
    private readonly FolderLock _lock;

    private UnitRecordStoreWriter(string folder, SqliteConnection connection, int ctx, HashSet<int> done, FolderLock folderLock)
    {
        (_folder, _connection, _ctx, _done, _lock) = (folder, connection, ctx, done, folderLock);
        _final = Path.Combine(folder, RecordsSchema.DatabaseFile);
        _partial = _final + RecordsSchema.PartialSuffix;
    }

    /// <summary>Units already in the store (written by an earlier, interrupted run of the same job, or by this writer).</summary>
    public IReadOnlySet<int> DoneUnits => _done;

    /// <summary>
    /// Opens <paramref name="folder"/> for the job <paramref name="manifest"/> describes. A finished store there is
    /// refused unless <paramref name="overwrite"/> (it is then replaced only when the new one is finished); a partial
    /// store of the same job is resumed, one of another job (or any, with <paramref name="overwrite"/>) is discarded.
    /// </summary>
    /// <exception cref="InterpException">A finished store is there and <paramref name="overwrite"/> is false, the folder cannot
    /// be written, or another process is writing it (the writer holds a <see cref="FolderLock"/> until disposed).</exception>
    public static UnitRecordStoreWriter Open(string folder, RecordsManifest manifest, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(manifest);
        var folderLock = FolderLock.Acquire(folder);
        try
        {
            return Open(folder, manifest, overwrite, folderLock);
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
    }

    private static UnitRecordStoreWriter Open(string folder, RecordsManifest manifest, bool overwrite, FolderLock folderLock)
    {
        var final = Path.Combine(folder, RecordsSchema.DatabaseFile);
        var partial = final + RecordsSchema.PartialSuffix;
        if (File.Exists(final) && !overwrite)
        {
            var same = Same(final, manifest);
            throw new InvalidOptionException(same
                ? o => $"{final}: records are already complete for this job; pass {o("Overwrite")} to build them again"
                : o => $"{final}: holds records of another job; use another {o("OutDirectory")}, or {o("Overwrite")} to replace them", OutputPath.Meaning);
        }
        var job = manifest.JobKey();
        if (File.Exists(partial) && (overwrite || !Same(partial, manifest))) DeleteDatabase(partial);
        var connection = new SqliteConnection(RecordsSchema.ConnectionString(partial, readOnly: false));
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA synchronous = NORMAL;");
            Execute(connection, RecordsSchema.Create);
            Execute(connection, "INSERT OR IGNORE INTO meta(key, value) VALUES ('format', $f), ('format_version', $v), ('job', $j), ('complete', '0');",
                ("$f", RecordsManifest.FormatName), ("$v", RecordsManifest.CurrentFormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("$j", job));
            var done = new HashSet<int>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT idx FROM units;";
                using var reader = command.ExecuteReader();
                while (reader.Read()) done.Add(reader.GetInt32(0));
            }
            return new UnitRecordStoreWriter(folder, connection, manifest.Ctx, done, folderLock);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new InterpException($"{partial}: cannot write the records store ({e.Message})", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="records"/> (windows from the store: context ≥ 0) in one transaction.</summary>
    public void Write(IReadOnlyList<UnitRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var transaction = _connection.BeginTransaction();
        using var unit = Command(transaction, "INSERT OR REPLACE INTO units(idx, max, mean, density, active, tokens_seen, top_token, top_logit, bytes) " +
                                              "VALUES ($idx, $max, $mean, $density, $active, $seen, $top_token, $top_logit, $bytes);");
        using var blob = Command(transaction, "INSERT OR REPLACE INTO unit_records(idx, data) VALUES ($idx, $data);");
        using var vocab = Command(transaction, "INSERT OR IGNORE INTO vocab(id, token) VALUES ($id, $token);");
        var touched = new HashSet<long>();
        foreach (var record in records)
        {
            var data = UnitRecordCodec.Encode(record);
            var windows = record.Top.Concat(record.Random).Concat(record.RandomActivating).Concat(record.NonActivating)
                .Concat(record.Bands.SelectMany(b => b.Records));
            foreach (var window in windows)
            {
                var tokens = ContextTokens(transaction, window.Context);
                if (window.Start < 0 || window.Start + window.TokenIds.Length > _ctx)
                    throw new ArgumentException($"unit {record.Id}: window at context {window.Context} position {window.Start} runs past ctx {_ctx}");
                window.TokenIds.CopyTo(tokens, window.Start);
                touched.Add(window.Context);
                for (var i = 0; i < window.TokenIds.Length; i++) AddToken(vocab, window.TokenIds[i], window.Tokens[i]);
            }
            foreach (var effect in record.LogitPositive.Concat(record.LogitNegative)) AddToken(vocab, effect.TokenId, effect.Token);
            var top = record.Top.Count > 0 && record.Top[0] is { } first && first.ArgMax >= 0 ? first.Tokens[first.ArgMax] : null;
            Run(unit, ("$idx", record.Id.Index), ("$max", record.MaxActivation), ("$mean", record.MeanActivation), ("$density", record.Density),
                ("$active", record.ActiveTokens), ("$seen", record.TokensSeen), ("$top_token", top),
                ("$top_logit", record.LogitPositive.Count > 0 ? record.LogitPositive[0].Token : null), ("$bytes", data.Length));
            Run(blob, ("$idx", record.Id.Index), ("$data", data));
        }
        using (var context = Command(transaction, "INSERT OR REPLACE INTO contexts(context, tokens) VALUES ($context, $tokens);"))
            foreach (var c in touched.Order())
                Run(context, ("$context", c), ("$tokens", MemoryMarshal.AsBytes(_contexts[c].AsSpan()).ToArray()));
        transaction.Commit();
        foreach (var record in records) _done.Add(record.Id.Index);
    }

    /// <summary>
    /// Copies every unit of the finished store <paramref name="database"/> (a part of the same job, see
    /// <see cref="RecordsMerger"/>) into this one in one transaction: its unit rows, records and vocabulary as they are,
    /// and its context tokens joined with those already here (each store keeps only the positions its windows show).
    /// Copying a part again changes nothing, so an interrupted merge can simply be run again.
    /// </summary>
    public void CopyFrom(string database)
    {
        ArgumentNullException.ThrowIfNull(database);
        Execute(_connection, "ATTACH DATABASE $path AS part;", ("$path", database));
        try
        {
            using var transaction = _connection.BeginTransaction();
            var joined = new List<(long Context, byte[] Tokens)>();
            using (var shared = Command(transaction, "SELECT p.context, p.tokens, m.tokens FROM part.contexts p JOIN main.contexts m ON m.context = p.context;"))
            using (var reader = shared.ExecuteReader())
                while (reader.Read()) joined.Add((reader.GetInt64(0), JoinTokens((byte[])reader[1], (byte[])reader[2])));
            using (var update = Command(transaction, "UPDATE main.contexts SET tokens = $tokens WHERE context = $context;"))
                foreach (var (context, tokens) in joined) Run(update, ("$context", context), ("$tokens", tokens));
            foreach (var sql in new[]
                     {
                         "INSERT OR REPLACE INTO main.units SELECT idx, max, mean, density, active, tokens_seen, top_token, top_logit, bytes FROM part.units;",
                         "INSERT OR REPLACE INTO main.unit_records SELECT idx, data FROM part.unit_records;",
                         "INSERT OR IGNORE INTO main.vocab SELECT id, token FROM part.vocab;",
                         "INSERT OR IGNORE INTO main.contexts SELECT context, tokens FROM part.contexts;",
                     })
                using (var command = Command(transaction, sql)) command.ExecuteNonQuery();
            var copied = new List<int>();
            using (var units = Command(transaction, "SELECT idx FROM part.units;"))
            using (var reader = units.ExecuteReader())
                while (reader.Read()) copied.Add(reader.GetInt32(0));
            transaction.Commit();
            _done.UnionWith(copied);
            _contexts.Clear();                                                       // cached tokens may be stale now
        }
        catch (SqliteException e)
        {
            throw new InterpException($"{database}: cannot copy its records ({e.Message})", e);
        }
        finally
        {
            Execute(_connection, "DETACH DATABASE part;");
        }
    }

    // A context's token ids from two stores: -1 marks a position no window of that store shows.
    private static byte[] JoinTokens(byte[] a, byte[] b)
    {
        if (a.Length != b.Length) throw new InterpException($"context tokens of {a.Length} and {b.Length} bytes: the parts have different ctx");
        var x = MemoryMarshal.Cast<byte, int>(a.AsSpan()).ToArray();
        ReadOnlySpan<int> y = MemoryMarshal.Cast<byte, int>(b.AsSpan());
        for (var i = 0; i < x.Length; i++)
            if (x[i] == -1) x[i] = y[i];
        return MemoryMarshal.AsBytes(x.AsSpan()).ToArray();
    }

    /// <summary>
    /// Finishes the store: records <paramref name="manifest"/> in its <c>meta</c> table, marks it complete, closes it,
    /// renames it to <c>records.db</c> (replacing an older one) and writes <c>manifest.json</c>. Returns the store's path.
    /// </summary>
    public string Complete(RecordsManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        Execute(_connection, "INSERT OR REPLACE INTO meta(key, value) VALUES ('manifest', $m), ('complete', '1');", ("$m", manifest.ToJson()));
        _connection.Close();
        _connection.Dispose();
        File.Move(_partial, _final, overwrite: true);
        AtomicFile.WriteAllText(Path.Combine(_folder, RecordsManifest.FileName), manifest.ToJson() + "\n");
        return _final;
    }

    /// <summary>Closes the partial store (kept for a resume) and releases the folder.</summary>
    public void Dispose()
    {
        _connection.Dispose();
        _lock.Dispose();
    }

    private int[] ContextTokens(SqliteTransaction transaction, long context)
    {
        if (_contexts.TryGetValue(context, out var tokens)) return tokens;
        tokens = new int[_ctx];
        Array.Fill(tokens, -1);
        using (var command = Command(transaction, "SELECT tokens FROM contexts WHERE context = $c;"))
        {
            command.Parameters.AddWithValue("$c", context);
            if (command.ExecuteScalar() is byte[] stored) MemoryMarshal.Cast<byte, int>(stored).CopyTo(tokens);
        }
        return _contexts[context] = tokens;
    }

    private void AddToken(SqliteCommand vocab, int id, string token)
    {
        if (_vocab.Add(id)) Run(vocab, ("$id", id), ("$token", token));
    }

    private SqliteCommand Command(SqliteTransaction transaction, string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Run(SqliteCommand command, params (string Name, object? Value)[] parameters)
    {
        command.Parameters.Clear();
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    // Whether the store at path was made by the job manifest describes (false when it cannot be read).
    private static bool Same(string path, RecordsManifest manifest)
    {
        try
        {
            using var connection = new SqliteConnection(RecordsSchema.ConnectionString(path, readOnly: true));
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT value FROM meta WHERE key = 'job';";
            return command.ExecuteScalar() is string job && JsonNode.DeepEquals(JsonNode.Parse(job), JsonNode.Parse(manifest.JobKey()));
        }
        catch (Exception e) when (e is SqliteException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static void DeleteDatabase(string path)
    {
        foreach (var file in new[] { path, path + "-journal", path + "-wal", path + "-shm" })
            if (File.Exists(file)) File.Delete(file);
    }
}
