using Kai.Native;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.Native.Store;
using Kai.Service.Audit;

namespace Kai.Service.Approvals;

/// <summary>
/// The durable approval protocol: commands held by policy (or blocked by the sandbox) become pending approvals
/// in kai.db; an approver approves or denies; unanswered ones time out as denied; on boot every pending one is
/// closed as session_closed (fail closed: nothing pending before a restart ever runs after it).
/// Every transition is audited.
/// </summary>
public sealed class ApprovalService
{
    private readonly ApprovalStore _store;
    private readonly ApprovalIds _ids;
    private readonly AuditLog _audit;
    private readonly Func<DateTimeOffset> _clock;

    public ApprovalService(KaiDatabase database, Secret serverSecret, ApprovalPolicy policy, AuditLog audit, Func<DateTimeOffset>? clock = null)
    {
        _store = new ApprovalStore(database);
        _ids = new ApprovalIds(serverSecret);
        Policy = policy;
        _audit = audit;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    public ApprovalPolicy Policy { get; }
    internal ApprovalIds Ids => _ids;

    /// <summary>Holds <paramref name="request"/>: a pending approval (or the existing one for the same request).</summary>
    public ApprovalInfo Hold(ExecRequest request, string requestId, ApprovalKind kind, string rule, string reason, string? relaxRule, string requestedBy)
    {
        var hash = ApprovalIds.CommandHash(request);
        var id = _ids.Compute(request.Session, requestId, kind, relaxRule, hash);
        var now = _clock();
        var info = new ApprovalInfo(id, request.Session, requestId, request.Command, request.Mode, kind, rule, reason, relaxRule,
            ApprovalStatus.Pending, now, now + Policy.Timeout, now, requestedBy);
        var (stored, inserted) = _store.InsertOrGet(info, request, hash);
        if (inserted) _audit.Append(AuditKinds.ApprovalRequested, requestedBy, $"{id}: {reason}", request.Session, request.Command);
        return stored.Info;
    }

    public ApprovalInfo Get(string id) => Find(id).Info;

    internal StoredApproval Find(string id)
    {
        if (!ApprovalIds.IsWellFormed(id))
            throw new KaiException("ApprovalIdInvalid", KaiErrorKind.InvalidArgument, $"'{id}' is not an approval id (ap- and 32 hex digits).", id);
        ExpireDue();
        return _store.Get(id) ?? throw new KaiException("ApprovalNotFound", KaiErrorKind.ObjectNotFound, $"No approval with id '{id}'.", id);
    }

    public IReadOnlyList<ApprovalInfo> List(ApprovalQuery query)
    {
        ExpireDue();
        return _store.Query(query).Select(s => s.Info).ToList();
    }

    /// <summary>Pending → Approved (compare-and-set: of two approvers one wins, the other gets ApprovalNotPending).</summary>
    internal StoredApproval Approve(string id, string actor, string? note)
    {
        var stored = Find(id);
        RequirePending(stored);
        if (!_store.Transition(id, ApprovalStatus.Pending, ApprovalStatus.Approved, actor, note, _clock()))
            RequirePending(_store.Get(id)!);
        _audit.Append(AuditKinds.ApprovalApproved, actor, $"{id} approved" + (note is null ? "" : $": {note}"), stored.Info.Session, stored.Info.Command);
        return _store.Get(id)!;
    }

    public ApprovalInfo Deny(string id, string actor, string? note)
    {
        var stored = Find(id);
        RequirePending(stored);
        if (!_store.Transition(id, ApprovalStatus.Pending, ApprovalStatus.Denied, actor, note ?? "denied", _clock()))
            RequirePending(_store.Get(id)!);
        _audit.Append(AuditKinds.ApprovalDenied, actor, $"{id} denied" + (note is null ? "" : $": {note}"), stored.Info.Session, stored.Info.Command);
        return _store.Get(id)!.Info;
    }

    /// <summary>
    /// A re-submitted command under an approval id: it must be the very command (same session, same canonical
    /// hash) and approved and unused; then it is consumed (runs once).
    /// </summary>
    internal StoredApproval ConsumeForResubmit(string id, ExecRequest request, string actor)
    {
        var stored = Find(id);
        var info = stored.Info;
        var hash = ApprovalIds.CommandHash(request with { RelaxRule = null });
        if (info.Session != request.Session || !_ids.Verify(id, request.Session, info.RequestId, info.Kind, info.RelaxRule, hash))
        {
            _audit.Append(AuditKinds.ApprovalRefused, actor, $"{id}: a different command was presented under this approval id", request.Session, request.Command);
            throw new KaiException("ApprovalCommandMismatch", KaiErrorKind.SecurityError,
                $"The command does not match approval '{id}': an approval covers exactly the command it was requested for.", id);
        }
        if (info.Status != ApprovalStatus.Approved) RequirePending(stored, expectApproved: true);
        if (!_store.Consume(id, _clock()))
            throw new KaiException("ApprovalAlreadyUsed", KaiErrorKind.InvalidOperation, $"Approval '{id}' has been used already: it allows one run.", id);
        return _store.Get(id)!;
    }

    /// <summary>Marks an approval's one run as taken (the approve call runs it itself).</summary>
    internal void Consume(string id) => _store.Consume(id, _clock());

    internal void SaveResult(string id, ExecResult result) => _store.SaveResult(id, result, _clock());

    /// <summary>Every pending approval past its deadline becomes TimedOut (denied).</summary>
    public int ExpireDue()
    {
        var now = _clock();
        var count = 0;
        foreach (var stored in _store.Query(new ApprovalQuery(ApprovalStatus.Pending)))
        {
            if (stored.Info.Expires > now) continue;
            if (_store.Transition(stored.Info.Id, ApprovalStatus.Pending, ApprovalStatus.TimedOut, "service", "timeout: nobody answered in time", now))
            {
                count++;
                _audit.Append(AuditKinds.ApprovalTimedOut, "service", $"{stored.Info.Id} timed out after {Policy.Timeout.TotalSeconds:0} s (denied)", stored.Info.Session, stored.Info.Command);
            }
        }
        return count;
    }

    /// <summary>Closes pending approvals as session_closed: all of them at boot, or one session's when it stops.</summary>
    public int CloseAll(string? session, string why)
    {
        var now = _clock();
        var count = 0;
        foreach (var stored in _store.Query(new ApprovalQuery(ApprovalStatus.Pending, session)))
        {
            if (_store.Transition(stored.Info.Id, ApprovalStatus.Pending, ApprovalStatus.SessionClosed, "service", "session_closed: " + why, now))
            {
                count++;
                _audit.Append(AuditKinds.ApprovalSessionClosed, "service", $"{stored.Info.Id} closed: {why}", stored.Info.Session, stored.Info.Command);
            }
        }
        return count;
    }

    private static void RequirePending(StoredApproval stored, bool expectApproved = false)
    {
        var info = stored.Info;
        var (errorId, kind, what) = info.Status switch
        {
            ApprovalStatus.Pending when expectApproved => ("ApprovalPending", KaiErrorKind.InvalidOperation, "is still waiting for an answer"),
            ApprovalStatus.Pending => ((string?)null, KaiErrorKind.InvalidOperation, ""),
            ApprovalStatus.Approved => ("ApprovalNotPending", KaiErrorKind.InvalidOperation, $"was approved already by {info.ResolvedBy}"),
            ApprovalStatus.Denied => ("ApprovalDenied", KaiErrorKind.PermissionDenied, $"was denied by {info.ResolvedBy}"),
            ApprovalStatus.TimedOut => ("ApprovalTimedOut", KaiErrorKind.PermissionDenied, "timed out unanswered (denied)"),
            _ => ("ApprovalClosed", KaiErrorKind.PermissionDenied, "was closed when its session or the service ended (fail closed)"),
        };
        if (errorId is null) return;
        throw new KaiException(errorId, kind, $"Approval '{info.Id}' {what}.", info.Id);
    }
}
