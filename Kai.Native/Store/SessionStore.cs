using Kai.Native.Sessions;
using Microsoft.Data.Sqlite;

namespace Kai.Native.Store;

/// <summary>A session's durable record.</summary>
public sealed record SessionRecord(
    string Name,
    string Workspace,
    string Sandbox,
    string? PolicyPath,
    DateTimeOffset Created,
    DateTimeOffset? LastUsed,
    string? LastWorkingDirectory,
    string? ExportedEnvironment,
    int CommandCount,
    bool Responding);

/// <summary>A command as it is written: created when it starts (in flight), completed when it ends.</summary>
internal sealed class CommandEntry
{
    public required string Session { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required string Mode { get; init; }
    public required string Command { get; init; }
    public string? WorkingDirectory { get; init; }
    /// <summary>The row id, once the writer has inserted it.</summary>
    public long RowId { get; set; }
    /// <summary>How it ended, once known (set before the completion is queued).</summary>
    public CommandCompletion? Completion;
    /// <summary>The completion the insert already carried (then no separate update is needed).</summary>
    public CommandCompletion? RowWritten { get; set; }
}

/// <summary>How a command ended, as stored.</summary>
internal sealed record CommandCompletion(
    int? ExitCode,
    TimeSpan Duration,
    string OutputTail,
    string ErrorTail,
    string Status,
    string? CancelStep,
    bool Truncated,
    bool ShellRestarted,
    string? WorkingDirectory,
    string? TranscriptText,
    string? ExportedEnvironment,
    bool UpdateExports);

/// <summary>
/// Sessions, their commands and their screen transcripts in kai.db (area "sessions"). Reads go straight
/// to SQLite; writes are queued to one <see cref="StoreWriter"/> (group commit). Everything handed to
/// the store is already redacted by the host.
/// </summary>
public sealed class SessionStore : IDisposable
{
    public const string Area = "sessions";

    /// <summary>The screen transcript each session keeps (its tail), about a screen and a half.</summary>
    public const int TranscriptLimit = 10_000;

    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE sessions (
            name TEXT PRIMARY KEY,
            workspace TEXT NOT NULL,
            sandbox TEXT NOT NULL,
            policy_path TEXT,
            created_ms INTEGER NOT NULL,
            last_used_ms INTEGER,
            last_cwd TEXT,
            exported_env TEXT,
            command_count INTEGER NOT NULL DEFAULT 0,
            responding INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE session_commands (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session TEXT NOT NULL REFERENCES sessions(name) ON DELETE CASCADE,
            started_ms INTEGER NOT NULL,
            mode TEXT NOT NULL,
            command TEXT NOT NULL,
            working_directory TEXT,
            status TEXT NOT NULL,
            exit_code INTEGER,
            duration_ms REAL NOT NULL DEFAULT 0,
            output_tail TEXT NOT NULL DEFAULT '',
            error_tail TEXT NOT NULL DEFAULT '',
            cancel_step TEXT,
            truncated INTEGER NOT NULL DEFAULT 0,
            shell_restarted INTEGER NOT NULL DEFAULT 0,
            interrupted INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX session_commands_by_session ON session_commands(session, id);
        CREATE INDEX session_commands_running ON session_commands(status) WHERE status = 'running';
        CREATE TABLE session_transcript (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session TEXT NOT NULL REFERENCES sessions(name) ON DELETE CASCADE,
            text TEXT NOT NULL
        );
        CREATE INDEX session_transcript_by_session ON session_transcript(session, id);
        """,
    ];

    private readonly KaiDatabase _database;
    private readonly StoreWriter _writer;
    private readonly Dictionary<string, long> _transcriptChars = new(StringComparer.Ordinal); // writer thread only

    public SessionStore(KaiDatabase database)
    {
        _database = database;
        database.EnsureSchema(Area, Migrations);
        _writer = new StoreWriter(database, "kai-session-store");
    }

    public string DatabasePath => _database.Path;

    /// <summary>The last queued write that failed, if any.</summary>
    public Exception? LastWriteFailure => _writer.LastFailure;

    public Task FlushAsync() => _writer.FlushAsync();

    // ---- reads -------------------------------------------------------------------------------------

    public SessionRecord? Get(string name)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = SelectSession + " WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadSession(reader) : null;
    }

    public IReadOnlyList<SessionRecord> List()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = SelectSession + " ORDER BY name";
        using var reader = command.ExecuteReader();
        var result = new List<SessionRecord>();
        while (reader.Read()) result.Add(ReadSession(reader));
        return result;
    }

    public IReadOnlyList<CommandRecord> Commands(string session, int limit = 100)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, session, started_ms, command, exit_code, duration_ms, output_tail, error_tail, interrupted
            FROM session_commands WHERE session = $session ORDER BY id DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$session", session);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var result = new List<CommandRecord>();
        while (reader.Read())
        {
            result.Add(new CommandRecord(
                reader.GetInt64(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetInt32(4), TimeSpan.FromMilliseconds(reader.GetDouble(5)),
                reader.GetString(6), reader.GetString(7), reader.GetInt64(8) != 0));
        }
        result.Reverse();
        return result;
    }

    /// <summary>The tail of the session's screen transcript, at most <paramref name="limit"/> characters.</summary>
    public string Screen(string session, int limit = TranscriptLimit)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT text FROM session_transcript WHERE session = $session ORDER BY id DESC";
        command.Parameters.AddWithValue("$session", session);
        using var reader = command.ExecuteReader();
        var parts = new List<string>();
        var total = 0;
        while (total < limit && reader.Read())
        {
            var text = reader.GetString(0);
            parts.Add(text);
            total += text.Length;
        }
        parts.Reverse();
        return TrimToTail(string.Concat(parts), limit);
    }

    /// <summary>Keeps the last <paramref name="limit"/> characters, starting at a line when one begins close by.</summary>
    internal static string TrimToTail(string text, int limit)
    {
        if (text.Length <= limit) return text;
        var start = text.Length - limit;
        var newline = text.IndexOf('\n', start);
        if (newline >= 0 && newline - start < 200) start = newline + 1;
        if (start < text.Length && char.IsLowSurrogate(text[start])) start++;
        return text[start..];
    }

    /// <summary>Sessions whose last command was in flight when their host stopped.</summary>
    public IReadOnlyList<string> SessionsInFlight()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT name FROM sessions WHERE responding = 1
            UNION SELECT DISTINCT session FROM session_commands WHERE status = 'running'
            """;
        using var reader = command.ExecuteReader();
        var result = new List<string>();
        while (reader.Read()) result.Add(reader.GetString(0));
        return result;
    }

    // ---- writes ------------------------------------------------------------------------------------

    /// <summary>Creates the session's record now (not queued: the caller reports success only once it is stored).</summary>
    public void Create(SessionRecord record)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO sessions(name, workspace, sandbox, policy_path, created_ms, last_cwd)
            VALUES ($name, $workspace, $sandbox, $policy, $created, $cwd)
            """;
        command.Parameters.AddWithValue("$name", record.Name);
        command.Parameters.AddWithValue("$workspace", record.Workspace);
        command.Parameters.AddWithValue("$sandbox", record.Sandbox);
        command.Parameters.AddWithValue("$policy", (object?)record.PolicyPath ?? DBNull.Value);
        command.Parameters.AddWithValue("$created", record.Created.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$cwd", (object?)record.LastWorkingDirectory ?? DBNull.Value);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19) // SQLITE_CONSTRAINT: the name is taken
        {
            throw new KaiException("SessionExists", KaiErrorKind.ResourceExists, $"A session named '{record.Name}' already exists.", record.Name, e);
        }
    }

    /// <summary>Deletes the record, its commands and its transcript (after everything queued for it).</summary>
    public async Task DeleteAsync(string name)
    {
        await _writer.Enqueue(context =>
        {
            context.Execute("DELETE FROM session_transcript WHERE session = $s", ("$s", name));
            context.Execute("DELETE FROM session_commands WHERE session = $s", ("$s", name));
            context.Execute("DELETE FROM sessions WHERE name = $s", ("$s", name));
            _transcriptChars.Remove(name);
            _deltas.Remove(name);
        }).ConfigureAwait(false);
    }

    /// <param name="markResponding">A foreground command: the session is "responding" until it ends.</param>
    /// <param name="urgent">Commit the in-flight row at once (durable hosts), rather than with the next batch.</param>
    internal void CommandStarted(CommandEntry entry, bool markResponding = true, bool urgent = false)
    {
        _writer.Enqueue(context =>
        {
            // Started and finished in the same batch (most commands): one insert with the final values.
            var done = Volatile.Read(ref entry.Completion);
            (string, object?)[] values =
            [
                ("$s", entry.Session), ("$t", entry.Started.ToUnixTimeMilliseconds()), ("$m", entry.Mode),
                ("$c", entry.Command), ("$w", done?.WorkingDirectory ?? entry.WorkingDirectory), ("$status", done?.Status ?? "running"),
                ("$exit", done?.ExitCode), ("$duration", done?.Duration.TotalMilliseconds ?? 0), ("$out", done?.OutputTail ?? ""),
                ("$err", done?.ErrorTail ?? ""), ("$step", done?.CancelStep), ("$truncated", done?.Truncated == true ? 1 : 0),
                ("$restarted", done?.ShellRestarted == true ? 1 : 0),
            ];
            const string insert = """
                INSERT INTO session_commands(session, started_ms, mode, command, working_directory, status, exit_code, duration_ms,
                    output_tail, error_tail, cancel_step, truncated, shell_restarted)
                VALUES ($s, $t, $m, $c, $w, $status, $exit, $duration, $out, $err, $step, $truncated, $restarted)
                """;
            // Already over (most commands): nothing will update the row, so its id is not needed.
            if (done is not null) context.Execute(insert, values);
            else entry.RowId = (long)context.Scalar(insert + " RETURNING id", values)!;
            entry.RowWritten = done;
            if (markResponding) Delta(context, entry.Session).Responding = true;
        }, urgent);
    }

    /// <summary>A foreground command ended: its row, the session's counters and state, its transcript.</summary>
    internal Task CommandFinished(CommandEntry entry, CommandCompletion done, bool urgent = false)
    {
        Volatile.Write(ref entry.Completion, done);
        return _writer.Enqueue(context =>
        {
            if (!ReferenceEquals(entry.RowWritten, done)) UpdateCommandRow(context, entry, done);
            UpdateSessionAfterCommand(context, entry, done.Duration, done.WorkingDirectory, done.UpdateExports, done.ExportedEnvironment, done.TranscriptText);
        }, urgent, awaited: urgent);
    }

    /// <summary>A foreground command went on in the background: the session is free again, the row stays in flight.</summary>
    internal Task CommandDetached(CommandEntry entry, TimeSpan elapsed, string transcriptText, bool urgent = false) =>
        _writer.Enqueue(context => UpdateSessionAfterCommand(context, entry, elapsed, null, false, null, transcriptText), urgent, awaited: urgent);

    /// <summary>A background job ended: its row only (and a line in the transcript).</summary>
    internal Task BackgroundEnded(CommandEntry entry, CommandCompletion done) =>
        _writer.Enqueue(context =>
        {
            UpdateCommandRow(context, entry, done);
            if (!string.IsNullOrEmpty(done.TranscriptText)) Delta(context, entry.Session).Transcript.Append(done.TranscriptText);
        });

    private static void UpdateCommandRow(WriteContext context, CommandEntry entry, CommandCompletion done) =>
        context.Execute("""
            UPDATE session_commands SET status = $status, exit_code = $exit, duration_ms = $duration,
                output_tail = $out, error_tail = $err, cancel_step = $step, truncated = $truncated,
                shell_restarted = $restarted, working_directory = coalesce($cwd, working_directory)
            WHERE id = $id
            """,
            ("$status", done.Status), ("$exit", done.ExitCode), ("$duration", done.Duration.TotalMilliseconds),
            ("$out", done.OutputTail), ("$err", done.ErrorTail), ("$step", done.CancelStep),
            ("$truncated", done.Truncated ? 1 : 0), ("$restarted", done.ShellRestarted ? 1 : 0),
            ("$cwd", done.WorkingDirectory), ("$id", entry.RowId));

    private void UpdateSessionAfterCommand(WriteContext context, CommandEntry entry, TimeSpan duration, string? workingDirectory,
        bool updateExports, string? exports, string? transcriptText)
    {
        // Accumulated per session and written once at the end of the batch (the last state wins).
        var delta = Delta(context, entry.Session);
        delta.Commands++;
        delta.Responding = false;
        delta.LastUsed = Math.Max(delta.LastUsed, (entry.Started + duration).ToUnixTimeMilliseconds());
        if (workingDirectory is not null) delta.WorkingDirectory = workingDirectory;
        if (updateExports)
        {
            delta.UpdateExports = true;
            delta.Exports = exports;
        }
        if (!string.IsNullOrEmpty(transcriptText)) delta.Transcript.Append(transcriptText);
    }

    /// <summary>Marks what was in flight when the session's host stopped as interrupted (crash recovery).</summary>
    internal Task MarkInterrupted(string session, string note) =>
        _writer.Enqueue(context =>
        {
            var count = context.Execute("""
                UPDATE session_commands SET status = 'interrupted', interrupted = 1 WHERE session = $s AND status = 'running'
                """, ("$s", session));
            var delta = Delta(context, session);
            delta.Responding = false;
            if (count > 0) delta.Transcript.Append(note);
        }, urgent: true);

    /// <summary>What a batch changes in one session's row and transcript.</summary>
    private sealed class SessionDelta
    {
        public int Commands;
        public bool? Responding;
        public long LastUsed;
        public string? WorkingDirectory;
        public bool UpdateExports;
        public string? Exports;
        public readonly System.Text.StringBuilder Transcript = new();
    }

    private readonly Dictionary<string, SessionDelta> _deltas = new(StringComparer.Ordinal); // writer thread only

    private SessionDelta Delta(WriteContext context, string session)
    {
        if (!_deltas.TryGetValue(session, out var delta)) _deltas[session] = delta = new SessionDelta();
        context.AtBatchEnd("sessions", WriteDeltas);
        context.AtAbort("sessions", _deltas.Clear);
        return delta;
    }

    private void WriteDeltas(WriteContext context)
    {
        foreach (var (session, delta) in _deltas)
        {
            // One session's trouble (say, removed meanwhile) must not cost the others their writes.
            context.Execute("SAVEPOINT d");
            try
            {
                WriteDelta(context, session, delta);
                context.Execute("RELEASE d");
            }
            catch (SqliteException)
            {
                context.Execute("ROLLBACK TO d");
                context.Execute("RELEASE d");
            }
        }
        _deltas.Clear();
    }

    private void WriteDelta(WriteContext context, string session, SessionDelta delta)
    {
        {
            context.Execute("""
                UPDATE sessions SET
                    last_used_ms = CASE WHEN $t > 0 THEN $t ELSE last_used_ms END,
                    command_count = command_count + $n,
                    last_cwd = coalesce($cwd, last_cwd),
                    responding = coalesce($responding, responding),
                    exported_env = CASE WHEN $update THEN $env ELSE exported_env END
                WHERE name = $s
                """,
                ("$t", delta.LastUsed), ("$n", delta.Commands), ("$cwd", delta.WorkingDirectory),
                ("$responding", delta.Responding is { } r ? (r ? 1 : 0) : null), ("$update", delta.UpdateExports ? 1 : 0),
                ("$env", delta.Exports), ("$s", session));
            if (delta.Transcript.Length > 0) AppendTranscript(context, session, delta.Transcript.ToString());
        }
    }

    private void AppendTranscript(WriteContext context, string session, string text)
    {
        text = TrimToTail(text, TranscriptLimit);
        context.Execute("INSERT INTO session_transcript(session, text) VALUES ($s, $t)", ("$s", session), ("$t", text));
        if (!_transcriptChars.TryGetValue(session, out var total))
            total = (long)(context.Scalar("SELECT coalesce(sum(length(text)), 0) FROM session_transcript WHERE session = $s", ("$s", session)) ?? 0L);
        else
            total += text.Length;
        // Trim in bulk, not on every command: keep between one and two transcripts' worth of rows.
        if (total > 2 * TranscriptLimit)
        {
            var kept = 0L;
            long cutoff = 0;
            using (var reader = context.Command("SELECT id, length(text) FROM session_transcript WHERE session = $s ORDER BY id DESC", ("$s", session)).ExecuteReader())
            {
                while (reader.Read())
                {
                    kept += reader.GetInt64(1);
                    if (kept >= TranscriptLimit)
                    {
                        cutoff = reader.GetInt64(0);
                        break;
                    }
                }
            }
            if (cutoff > 0) context.Execute("DELETE FROM session_transcript WHERE session = $s AND id < $cutoff", ("$s", session), ("$cutoff", cutoff));
            total = kept;
        }
        _transcriptChars[session] = total;
    }

    private const string SelectSession = """
        SELECT name, workspace, sandbox, policy_path, created_ms, last_used_ms, last_cwd, exported_env, command_count, responding
        FROM sessions
        """;

    private static SessionRecord ReadSession(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
        reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.GetInt32(8), reader.GetInt64(9) != 0);

    /// <summary>Tests: drop everything not yet committed, as a killed process would.</summary>
    internal void Abort() => _writer.Abort();

    public void Dispose() => _writer.Dispose();
}
