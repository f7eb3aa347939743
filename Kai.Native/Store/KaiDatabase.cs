using Microsoft.Data.Sqlite;

namespace Kai.Native.Store;

/// <summary>
/// kai.db: one SQLite file (WAL) shared by every area (sessions and transcripts, approvals, audit).
/// Each area owns its tables and evolves them through <see cref="EnsureSchema"/>, which records an
/// (area, version) row so two areas never trip over each other's migrations.
/// </summary>
public sealed class KaiDatabase
{
    private readonly string _connectionString;

    public KaiDatabase(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_versions (area TEXT PRIMARY KEY, version INTEGER NOT NULL)");
    }

    public string Path { get; }

    /// <summary>A new open connection (pooled): WAL, NORMAL sync, foreign keys, a busy timeout for concurrent writers.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");
        return connection;
    }

    /// <summary>
    /// Brings <paramref name="area"/>'s tables to the newest version: runs migrations[i] for every
    /// i ≥ the stored version, each in its own transaction together with the version bump.
    /// </summary>
    public void EnsureSchema(string area, IReadOnlyList<string> migrations)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT version FROM schema_versions WHERE area = $area";
        read.Parameters.AddWithValue("$area", area);
        var current = read.ExecuteScalar() is long v ? (int)v : 0;
        if (current > migrations.Count)
            throw new KaiException("DatabaseTooNew", KaiErrorKind.InvalidData,
                $"{Path}: the '{area}' tables are at version {current}, newer than this Kai understands ({migrations.Count}).", Path);
        for (var i = current; i < migrations.Count; i++)
        {
            using var migrate = connection.CreateCommand();
            migrate.Transaction = transaction;
            migrate.CommandText = migrations[i];
            migrate.ExecuteNonQuery();
        }
        using var write = connection.CreateCommand();
        write.Transaction = transaction;
        write.CommandText = "INSERT INTO schema_versions(area, version) VALUES ($area, $version) ON CONFLICT(area) DO UPDATE SET version = excluded.version";
        write.Parameters.AddWithValue("$area", area);
        write.Parameters.AddWithValue("$version", migrations.Count);
        write.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>PRAGMA integrity_check: "ok" or the first problem.</summary>
    public static string IntegrityCheck(string path)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return command.ExecuteScalar()?.ToString() ?? "no answer";
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
