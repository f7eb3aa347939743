using Kai.Native.Sessions;

namespace Kai.Native.Service;

/// <summary>Where a held command stands. Everything but Pending is final.</summary>
public enum ApprovalStatus { Pending, Approved, Denied, TimedOut, SessionClosed }

/// <summary>Why a command was held: an approvals.yaml rule matched, or the sandbox blocked a run and a re-run with the rule lifted is proposed.</summary>
public enum ApprovalKind { Policy, SandboxRelax }

/// <summary>
/// A command held for approval (nothing ran). <see cref="Id"/> is an HMAC keyed by the server secret over
/// the session, the request id and a canonical hash of the command: stable for the same request, unforgeable,
/// and bound to exactly that command.
/// </summary>
public sealed record ApprovalInfo(
    string Id,
    string Session,
    string RequestId,
    string Command,
    ExecMode Mode,
    ApprovalKind Kind,
    string Rule,
    string Reason,
    string? RelaxRule,
    ApprovalStatus Status,
    DateTimeOffset Requested,
    DateTimeOffset Expires,
    DateTimeOffset Updated,
    string RequestedBy,
    string? ResolvedBy = null,
    string? Resolution = null,
    ExecResult? Result = null);

/// <summary>One row of the append-only audit log; <see cref="Hash"/> chains it to the previous row.</summary>
public sealed record AuditEntry(
    long Id,
    DateTimeOffset Time,
    string Kind,
    string? Session,
    string Actor,
    string? Target,
    string Message,
    string Hash);

public sealed record ApprovalQuery(ApprovalStatus? Status = null, string? Session = null, DateTimeOffset? Since = null);

/// <summary>Filters for the audit log. <see cref="Kind"/> matches exactly or by prefix when it ends in '*' (e.g. "approval.*").</summary>
public sealed record AuditQuery(DateTimeOffset? Since = null, DateTimeOffset? Until = null, string? Kind = null, string? Session = null, int? Last = null);

/// <summary>The audit chain's check: every row's hash recomputed from its content and the previous hash.</summary>
public sealed record AuditVerification(bool Valid, long Rows, long? FirstBrokenId, string? Problem);

/// <summary>What `GET /api/info` says about the running service.</summary>
public sealed record ServiceInfo(
    string Version,
    int ProcessId,
    DateTimeOffset Started,
    string DataDirectory,
    string SocketPath,
    string? TcpEndpoint,
    string SessionHost,
    string? ApprovalPolicy,
    int ApprovalRules,
    TimeSpan ApprovalTimeout,
    string Caller);

/// <summary>How this pwsh (or kai shell) is connected to a service: Connect-KaiService -PassThru.</summary>
public sealed record ServiceConnectionInfo(
    string Transport,
    string Address,
    string Authentication,
    string Version,
    int ProcessId,
    DateTimeOffset Started,
    DateTimeOffset Connected);

/// <summary>The service-only operations beyond <see cref="ISessionHost"/>: approvals, audit, service information.</summary>
public interface IKaiServiceClient
{
    ServiceConnectionInfo Connection { get; }
    Task<ServiceInfo> GetInfoAsync(CancellationToken cancellationToken);
    Task<IReadOnlyList<ApprovalInfo>> GetApprovalsAsync(ApprovalQuery query, CancellationToken cancellationToken);
    Task<ApprovalInfo> GetApprovalAsync(string id, CancellationToken cancellationToken);
    /// <summary>Approves and (when <paramref name="run"/>) runs the held command once, its output streaming to <paramref name="output"/>; the returned approval carries the result.</summary>
    Task<ApprovalInfo> ApproveAsync(string id, string? note, bool run, IProgress<OutputChunk>? output, CancellationToken cancellationToken);
    Task<ApprovalInfo> DenyAsync(string id, string? note, CancellationToken cancellationToken);
    Task<IReadOnlyList<AuditEntry>> GetAuditLogAsync(AuditQuery query, CancellationToken cancellationToken);
    Task<AuditVerification> VerifyAuditLogAsync(CancellationToken cancellationToken);
}

/// <summary>The audit log's kinds, one list for the service and the module's completion.</summary>
public static class AuditKinds
{
    public const string ServiceStart = "service.start", ServiceStop = "service.stop", ConfigLoaded = "config.loaded";
    public const string SessionStart = "session.start", SessionStop = "session.stop", SessionRemove = "session.remove";
    public const string CommandExec = "command.exec", CommandInterrupted = "command.interrupted", ProcessKill = "process.kill";
    public const string ApprovalRequested = "approval.requested", ApprovalApproved = "approval.approved", ApprovalDenied = "approval.denied";
    public const string ApprovalTimedOut = "approval.timedout", ApprovalSessionClosed = "approval.session_closed", ApprovalRefused = "approval.refused";
    public const string AuthFailure = "auth.failure", AuthThrottled = "auth.throttled", SocketRejected = "auth.socket_rejected";

    public static IReadOnlyList<string> All { get; } = new[]
    {
        ServiceStart, ServiceStop, ConfigLoaded, SessionStart, SessionStop, SessionRemove, CommandExec, CommandInterrupted, ProcessKill,
        ApprovalRequested, ApprovalApproved, ApprovalDenied, ApprovalTimedOut, ApprovalSessionClosed, ApprovalRefused,
        AuthFailure, AuthThrottled, SocketRejected,
    };
}
