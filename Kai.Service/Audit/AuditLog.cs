using System.Collections.Concurrent;
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
public sealed class AuditLog : IDisposable
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
    private readonly BlockingCollection<Pending> _queue = new(new ConcurrentQueue<Pending>());
    private readonly Thread _writer;

    public AuditLog(KaiDatabase database, SecretRedactor redactor, Func<DateTimeOffset>? clock = null)
    {
        _database = database;
        _redactor = redactor;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
        database.EnsureSchema(Area, Migrations);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "kai audit writer" };
        _writer.Start();
    }

    /// <summary>Appends one entry (secrets redacted) and returns it once it is committed.</summary>
    public AuditEntry Append(string kind, string actor, string message, string? session = null, string? target = null) =>
        Enqueue(kind, actor, message, session, target).GetAwaiter().GetResult();

    /// <summary>
    /// Appends without waiting for the commit (the per-command entries on the hot path). Entries keep their
    /// order; they are committed in batches within milliseconds, and all of them before <see cref="Dispose"/> returns.
    /// </summary>
    public void Post(string kind, string actor, string message, string? session = null, string? target = null) =>
        _ = Enqueue(kind, actor, message, session, target);

    private Task<AuditEntry> Enqueue(string kind, string actor, string message, string? session, string? target)
    {
        var pending = new Pending(_clock().ToUniversalTime(), kind, session, _redactor.Redact(actor), _redactor.RedactNullable(target),
            _redactor.Redact(message), new TaskCompletionSource<AuditEntry>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            _queue.Add(pending);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(AuditLog), "The audit log is closed.");
        }
        return pending.Done.Task;
    }

    /// <summary>
    /// One writer, group commit: whatever is queued goes into one IMMEDIATE transaction (read the last hash,
    /// chain every new row), so concurrent requests cost one write lock instead of one each.
    /// </summary>
    private void WriteLoop()
    {
        using var connection = _database.Open();
        var batch = new List<Pending>();
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < 512 && _queue.TryTake(out var more)) batch.Add(more);
            try
            {
                var rows = batch.Where(p => p.Kind.Length > 0).ToList();
                var written = rows.Count == 0 ? new List<AuditEntry>() : WriteBatch(connection, rows);
                for (var i = 0; i < rows.Count; i++) rows[i].Done.TrySetResult(written[i]);
                foreach (var barrier in batch.Where(p => p.Kind.Length == 0)) barrier.Done.TrySetResult(null!);
            }
            catch (Exception ex)
            {
                foreach (var p in batch) p.Done.TrySetException(ex);
            }
        }
    }

    private static List<AuditEntry> WriteBatch(SqliteConnection connection, List<Pending> batch)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var last = connection.CreateCommand();
        last.Transaction = transaction;
        last.CommandText = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
        long id = 0;
        var previous = Genesis;
        using (var reader = last.ExecuteReader())
        {
            if (reader.Read())
            {
                id = reader.GetInt64(0);
                previous = reader.GetString(1);
            }
        }
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO audit(id, time, kind, session, actor, target, message, prev_hash, hash) VALUES ($id, $time, $kind, $session, $actor, $target, $message, $prev, $hash)";
        var parameters = new[] { "$id", "$time", "$kind", "$session", "$actor", "$target", "$message", "$prev", "$hash" }
            .Select(name => insert.Parameters.Add(name, SqliteType.Text)).ToArray();
        var written = new List<AuditEntry>(batch.Count);
        foreach (var p in batch)
        {
            id++;
            var timeText = FormatTime(p.Time);
            var hash = Hash(previous, id, timeText, p.Kind, p.Session, p.Actor, p.Target, p.Message);
            object?[] values = { id, timeText, p.Kind, p.Session, p.Actor, p.Target, p.Message, previous, hash };
            for (var i = 0; i < values.Length; i++) parameters[i].Value = values[i] ?? DBNull.Value;
            insert.ExecuteNonQuery();
            written.Add(new AuditEntry(id, p.Time, p.Kind, p.Session, p.Actor, p.Target, p.Message, hash));
            previous = hash;
        }
        transaction.Commit();
        return written;
    }

    /// <summary>Commits everything queued and stops the writer.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.CompleteAdding();
        _writer.Join();
        _queue.Dispose();
    }

    private int _disposed;

    private sealed record Pending(DateTimeOffset Time, string Kind, string? Session, string Actor, string? Target, string Message, TaskCompletionSource<AuditEntry> Done);

    /// <summary>Waits until everything appended so far is committed (readers see what was posted before them).</summary>
    public void Flush()
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        Enqueue("", "", "", null, null).GetAwaiter().GetResult();
    }

    public IReadOnlyList<AuditEntry> Query(AuditQuery query)
    {
        Flush();
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
        Flush();
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
