namespace Interp.Records;

/// <summary>File names and the SQLite schema of a records store (see FORMAT.md).</summary>
internal static class RecordsSchema
{
    public const string DatabaseFile = "records.db";
    public const string PartialSuffix = ".partial";

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS units(
            idx INTEGER PRIMARY KEY,
            max REAL NOT NULL,
            mean REAL NOT NULL,
            density REAL NOT NULL,
            active INTEGER NOT NULL,
            tokens_seen INTEGER NOT NULL,
            top_token TEXT,
            top_logit TEXT,
            bytes INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS units_by_max ON units(max);
        CREATE INDEX IF NOT EXISTS units_by_density ON units(density);
        CREATE TABLE IF NOT EXISTS unit_records(idx INTEGER PRIMARY KEY, data BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS contexts(context INTEGER PRIMARY KEY, tokens BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS vocab(id INTEGER PRIMARY KEY, token TEXT NOT NULL);
        """;

    /// <summary>A connection string for <paramref name="path"/> (no pooling, so closing releases the file).</summary>
    public static string ConnectionString(string path, bool readOnly) =>
        new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly : Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
}
