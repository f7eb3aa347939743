using System.Globalization;
using System.Text.Json;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.Native.Store;
using Kai.Service.Audit;
using Microsoft.Data.Sqlite;

namespace Kai.Service.Approvals;

/// <summary>A held command as stored: the approval plus what is needed to run it (the full request).</summary>
internal sealed record StoredApproval(ApprovalInfo Info, ExecRequest Request, string CommandHash, bool Consumed);

/// <summary>The approvals table in kai.db. State changes are compare-and-set on the status, so two approvers cannot both win.</summary>
internal sealed class ApprovalStore
{
    public const string Area = "approvals";

    private static readonly string[] Migrations =
    {
        """
        CREATE TABLE approvals (
            id TEXT PRIMARY KEY,
            session TEXT NOT NULL,
            request_id TEXT NOT NULL,
            command TEXT NOT NULL,
            command_hash TEXT NOT NULL,
            request_json TEXT NOT NULL,
            mode TEXT NOT NULL,
            kind TEXT NOT NULL,
            rule TEXT NOT NULL,
            reason TEXT NOT NULL,
            relax_rule TEXT,
            status TEXT NOT NULL,
            requested TEXT NOT NULL,
            expires TEXT NOT NULL,
            updated TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            resolved_by TEXT,
            resolution TEXT,
            result_json TEXT,
            consumed INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX approvals_status ON approvals(status);
        CREATE INDEX approvals_updated ON approvals(updated);
        """,
    };

    private readonly KaiDatabase _database;

    public ApprovalStore(KaiDatabase database)
    {
        _database = database;
        database.EnsureSchema(Area, Migrations);
    }

    /// <summary>Inserts a new pending approval; when the id exists already (the same request again) returns the stored one.</summary>
    public (StoredApproval Approval, bool Inserted) InsertOrGet(ApprovalInfo info, ExecRequest request, string commandHash)
    {
        using var connection = _database.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO approvals(id, session, request_id, command, command_hash, request_json, mode, kind, rule, reason, relax_rule,
                                  status, requested, expires, updated, requested_by)
            VALUES ($id, $session, $request_id, $command, $hash, $request, $mode, $kind, $rule, $reason, $relax,
                    $status, $requested, $expires, $updated, $by)
            ON CONFLICT(id) DO NOTHING
            """;
        insert.Parameters.AddWithValue("$id", info.Id);
        insert.Parameters.AddWithValue("$session", info.Session);
        insert.Parameters.AddWithValue("$request_id", info.RequestId);
        insert.Parameters.AddWithValue("$command", info.Command);
        insert.Parameters.AddWithValue("$hash", commandHash);
        insert.Parameters.AddWithValue("$request", JsonSerializer.Serialize(request, ServiceJson.Default.ExecRequest));
        insert.Parameters.AddWithValue("$mode", info.Mode.ToString());
        insert.Parameters.AddWithValue("$kind", info.Kind.ToString());
        insert.Parameters.AddWithValue("$rule", info.Rule);
        insert.Parameters.AddWithValue("$reason", info.Reason);
        insert.Parameters.AddWithValue("$relax", (object?)info.RelaxRule ?? DBNull.Value);
        insert.Parameters.AddWithValue("$status", info.Status.ToString());
        insert.Parameters.AddWithValue("$requested", AuditLog.FormatTime(info.Requested));
        insert.Parameters.AddWithValue("$expires", AuditLog.FormatTime(info.Expires));
        insert.Parameters.AddWithValue("$updated", AuditLog.FormatTime(info.Updated));
        insert.Parameters.AddWithValue("$by", info.RequestedBy);
        var inserted = insert.ExecuteNonQuery() == 1;
        return (Get(info.Id)!, inserted);
    }

    public StoredApproval? Get(string id)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM approvals WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public IReadOnlyList<StoredApproval> Query(ApprovalQuery query)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.Status is { } status)
        {
            where.Add("status = $status");
            command.Parameters.AddWithValue("$status", status.ToString());
        }
        if (query.Session is { Length: > 0 } session)
        {
            where.Add("session = $session");
            command.Parameters.AddWithValue("$session", session);
        }
        if (query.Since is { } since)
        {
            where.Add("updated >= $since");
            command.Parameters.AddWithValue("$since", AuditLog.FormatTime(since));
        }
        command.CommandText = "SELECT * FROM approvals" + (where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where)) + " ORDER BY requested, id";
        var list = new List<StoredApproval>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) list.Add(Read(reader));
        return list;
    }

    /// <summary>Moves one approval from <paramref name="from"/> to <paramref name="to"/>; false when it was no longer in <paramref name="from"/>.</summary>
    public bool Transition(string id, ApprovalStatus from, ApprovalStatus to, string resolvedBy, string? resolution, DateTimeOffset now)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE approvals SET status = $to, resolved_by = $by, resolution = $resolution, updated = $now WHERE id = $id AND status = $from";
        command.Parameters.AddWithValue("$to", to.ToString());
        command.Parameters.AddWithValue("$from", from.ToString());
        command.Parameters.AddWithValue("$by", resolvedBy);
        command.Parameters.AddWithValue("$resolution", (object?)resolution ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", AuditLog.FormatTime(now));
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>Marks an approved command as run (once only); false when it had been used already.</summary>
    public bool Consume(string id, DateTimeOffset now)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE approvals SET consumed = 1, updated = $now WHERE id = $id AND status = 'Approved' AND consumed = 0";
        command.Parameters.AddWithValue("$now", AuditLog.FormatTime(now));
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() == 1;
    }

    public void SaveResult(string id, ExecResult result, DateTimeOffset now)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE approvals SET result_json = $result, updated = $now WHERE id = $id";
        command.Parameters.AddWithValue("$result", JsonSerializer.Serialize(result, ServiceJson.Default.ExecResult));
        command.Parameters.AddWithValue("$now", AuditLog.FormatTime(now));
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    }

    private static StoredApproval Read(SqliteDataReader r)
    {
        string? S(string name) => r.IsDBNull(r.GetOrdinal(name)) ? null : r.GetString(r.GetOrdinal(name));
        DateTimeOffset T(string name) => DateTimeOffset.Parse(S(name)!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var request = JsonSerializer.Deserialize(S("request_json")!, ServiceJson.Default.ExecRequest)!;
        var result = S("result_json") is { } json ? JsonSerializer.Deserialize(json, ServiceJson.Default.ExecResult) : null;
        var info = new ApprovalInfo(
            S("id")!, S("session")!, S("request_id")!, S("command")!,
            Enum.Parse<ExecMode>(S("mode")!), Enum.Parse<ApprovalKind>(S("kind")!), S("rule")!, S("reason")!, S("relax_rule"),
            Enum.Parse<ApprovalStatus>(S("status")!), T("requested"), T("expires"), T("updated"), S("requested_by")!,
            S("resolved_by"), S("resolution"), result);
        return new StoredApproval(info, request, S("command_hash")!, r.GetInt64(r.GetOrdinal("consumed")) != 0);
    }
}
