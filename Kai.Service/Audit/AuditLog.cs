using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kai.Native.Service;
using Kai.Native.Store;
using Kai.Service.Logging;
using Microsoft.Data.Sqlite;

namespace Kai.Service.Audit;

/// <summary>
/// The append-only audit log in kai.db: sessions, commands, approvals, authentication failures, configuration.
/// There is no UPDATE or DELETE path (triggers refuse both), and each row carries a SHA-256 hash over its
/// content and the previous row's hash, so an edit or a removed row anywhere breaks <see cref="Verify"/>.
/// </summary>
public sealed class AuditLog
{
    public const string Area = "audit";
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly string[] Migrations =
    {
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            time TEXT NOT NULL,
            kind TEXT NOT NULL,
            session TEXT,
            actor TEXT NOT NULL,
            target TEXT,
            message TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_time ON audit(time);
        CREATE INDEX audit_kind ON audit(kind);
        CREATE INDEX audit_session ON audit(session);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """,
    };

    private readonly KaiDatabase _database;
    private readonly SecretRedactor _redactor;
    private readonly Func<DateTimeOffset> _clock;
    private readonly object _writeGate = new();

    public AuditLog(KaiDatabase database, SecretRedactor redactor, Func<DateTimeOffset>? clock = null)
    {
        _database = database;
        _redactor = redactor;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
        database.EnsureSchema(Area, Migrations);
    }

    /// <summary>Appends one entry (secrets redacted) and returns it.</summary>
    public AuditEntry Append(string kind, string actor, string message, string? session = null, string? target = null)
    {
        message = _redactor.Redact(message);
        target = _redactor.RedactNullable(target);
        actor = _redactor.Redact(actor);
        var time = _clock().ToUniversalTime();
        lock (_writeGate)
        {
            using var connection = _database.Open();
            // IMMEDIATE: the chain needs "read the last hash, insert the next" with no writer in between (another process too).
            using var transaction = connection.BeginTransaction(deferred: false);
            using var last = connection.CreateCommand();
            last.Transaction = transaction;
            last.CommandText = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
            long id = 1;
            var previous = Genesis;
            using (var reader = last.ExecuteReader())
            {
                if (reader.Read())
                {
                    id = reader.GetInt64(0) + 1;
                    previous = reader.GetString(1);
                }
            }
            var timeText = FormatTime(time);
            var hash = Hash(previous, id, timeText, kind, session, actor, target, message);
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO audit(id, time, kind, session, actor, target, message, prev_hash, hash) VALUES ($id, $time, $kind, $session, $actor, $target, $message, $prev, $hash)";
            insert.Parameters.AddWithValue("$id", id);
            insert.Parameters.AddWithValue("$time", timeText);
            insert.Parameters.AddWithValue("$kind", kind);
            insert.Parameters.AddWithValue("$session", (object?)session ?? DBNull.Value);
            insert.Parameters.AddWithValue("$actor", actor);
            insert.Parameters.AddWithValue("$target", (object?)target ?? DBNull.Value);
            insert.Parameters.AddWithValue("$message", message);
            insert.Parameters.AddWithValue("$prev", previous);
            insert.Parameters.AddWithValue("$hash", hash);
            insert.ExecuteNonQuery();
            transaction.Commit();
            return new AuditEntry(id, time, kind, session, actor, target, message, hash);
        }
    }

    public IReadOnlyList<AuditEntry> Query(AuditQuery query)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.Since is { } since)
        {
            where.Add("time >= $since");
            command.Parameters.AddWithValue("$since", FormatTime(since));
        }
        if (query.Until is { } until)
        {
            where.Add("time <= $until");
            command.Parameters.AddWithValue("$until", FormatTime(until));
        }
        if (query.Kind is { Length: > 0 } kind)
        {
            if (kind.EndsWith('*'))
            {
                where.Add("substr(kind, 1, length($kind)) = $kind");
                command.Parameters.AddWithValue("$kind", kind.TrimEnd('*'));
            }
            else
            {
                where.Add("kind = $kind");
                command.Parameters.AddWithValue("$kind", kind);
            }
        }
        if (query.Session is { Length: > 0 } session)
        {
            where.Add("session = $session");
            command.Parameters.AddWithValue("$session", session);
        }
        var filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        // -Last N: the newest N, still returned oldest first.
        command.CommandText = query.Last is { } last
            ? $"SELECT * FROM (SELECT id, time, kind, session, actor, target, message, hash FROM audit{filter} ORDER BY id DESC LIMIT {Math.Max(0, last)}) ORDER BY id"
            : $"SELECT id, time, kind, session, actor, target, message, hash FROM audit{filter} ORDER BY id";
        var list = new List<AuditEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new AuditEntry(
                reader.GetInt64(0),
                DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetString(6),
                reader.GetString(7)));
        }
        return list;
    }

    /// <summary>Recomputes the whole chain.</summary>
    public AuditVerification Verify()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, time, kind, session, actor, target, message, prev_hash, hash FROM audit ORDER BY id";
        using var reader = command.ExecuteReader();
        var previous = Genesis;
        long rows = 0, expectedId = 1;
        while (reader.Read())
        {
            rows++;
            var id = reader.GetInt64(0);
            if (id != expectedId) return new AuditVerification(false, rows, id, $"row {expectedId} is missing");
            var stored = reader.GetString(8);
            if (reader.GetString(7) != previous)
                return new AuditVerification(false, rows, id, $"row {id} does not link to row {id - 1}");
            var computed = Hash(previous, id, reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6));
            if (computed != stored) return new AuditVerification(false, rows, id, $"row {id} was altered");
            previous = stored;
            expectedId++;
        }
        return new AuditVerification(true, rows, null, null);
    }

    internal static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string Hash(string previous, long id, string time, string kind, string? session, string actor, string? target, string message)
    {
        // Length-prefixed fields: no two different rows serialize to the same bytes.
        var builder = new StringBuilder(previous);
        foreach (var field in new[] { id.ToString(CultureInfo.InvariantCulture), time, kind, session ?? "\0", actor, target ?? "\0", message })
            builder.Append('|').Append(field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()))).ToLowerInvariant();
    }
}
