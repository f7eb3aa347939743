using System.Collections.Concurrent;
using Kai.Native;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.Service.Approvals;
using Kai.Service.Audit;
using Kai.Service.Logging;
using Microsoft.Extensions.Logging;

namespace Kai.Service.Sessions;

/// <summary>
/// Everything the API does to sessions goes through here: names checked, the approval policy applied,
/// commands in flight flagged (crash recovery) and cancellable (by the client, or all at shutdown),
/// results redacted, and every change audited. The engine (<see cref="ISessionHost"/>) does the work.
/// </summary>
public sealed class SessionGateway
{
    private readonly ISessionHost _host;
    private readonly ApprovalService _approvals;
    private readonly AuditLog _audit;
    private readonly RespondingFlags _flags;
    private readonly SecretRedactor _redactor;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    public SessionGateway(ISessionHost host, ApprovalService approvals, AuditLog audit, RespondingFlags flags, SecretRedactor redactor, ILogger<SessionGateway> logger)
    {
        _host = host;
        _approvals = approvals;
        _audit = audit;
        _flags = flags;
        _redactor = redactor;
        _logger = logger;
        // The embedded engine is built with this same redactor (KaiServer.DefaultSessionHost) and redacts output
        // itself; redacting again would only cost a second pass of every pattern over every chunk.
        _hostRedacts = host is EmbeddedSessionHost;
    }

    private readonly bool _hostRedacts;

    public ISessionHost Host => _host;
    public ApprovalService Approvals => _approvals;
    public int InFlight => _inFlight.Count;

    /// <summary>
    /// Session names (the engine's rule: they name directories) and process ids (same alphabet): checked before
    /// anything is touched, so a traversal attempt changes nothing.
    /// </summary>
    public static string CheckName(string name, string what = "session")
    {
        if (what == "session") return SessionNames.Validate(name);
        if (!SessionNames.IsValid(name))
            throw new KaiException("InvalidProcessId", KaiErrorKind.InvalidArgument,
                $"'{name}' is not a valid background process id: letters, digits, '.', '_' and '-' only.", name);
        return name;
    }

    public async Task<SessionInfo> StartAsync(StartSessionRequest request, string actor, CancellationToken cancellationToken)
    {
        CheckName(request.Name);
        var info = await _host.StartSessionAsync(request, cancellationToken).ConfigureAwait(false);
        _audit.Append(AuditKinds.SessionStart, actor, $"started (sandbox {info.Sandbox}, workspace {info.Workspace})", info.Name);
        return info;
    }

    public async Task<SessionInfo> StopAsync(string name, string actor, CancellationToken cancellationToken)
    {
        CheckName(name);
        var info = await _host.StopSessionAsync(name, cancellationToken).ConfigureAwait(false);
        _approvals.CloseAll(name, "the session was stopped");
        _audit.Append(AuditKinds.SessionStop, actor, "stopped", name);
        return info;
    }

    public async Task RemoveAsync(string name, string actor, CancellationToken cancellationToken)
    {
        CheckName(name);
        await _host.RemoveSessionAsync(name, cancellationToken).ConfigureAwait(false);
        _approvals.CloseAll(name, "the session was removed");
        _audit.Append(AuditKinds.SessionRemove, actor, "removed", name);
    }

    public async Task<SessionInfo> GetAsync(string name, CancellationToken cancellationToken)
    {
        CheckName(name);
        var sessions = await _host.GetSessionsAsync(cancellationToken).ConfigureAwait(false);
        return sessions.FirstOrDefault(s => s.Name == name) ?? throw SessionNames.NotFound(name);
    }

    /// <summary>
    /// Runs one command, or holds it for approval when a rule says so (nothing runs; the result carries the
    /// approval id). With <paramref name="approvalId"/> the command runs once under that approval, if it is
    /// exactly the approved command.
    /// </summary>
    public async Task<ExecResult> ExecAsync(ExecRequest request, string requestId, string? approvalId, string actor,
        IProgress<OutputChunk>? output, CancellationToken requestAborted)
    {
        CheckName(request.Session);
        if (string.IsNullOrWhiteSpace(request.Command))
            throw new KaiException("CommandEmpty", KaiErrorKind.InvalidArgument, "The command is empty.", request.Session);

        if (approvalId is not null)
        {
            var approved = _approvals.ConsumeForResubmit(approvalId, request, actor);
            return await RunApprovedAsync(approved, actor, output, requestAborted).ConfigureAwait(false);
        }

        if (request.RelaxRule is not null)
            throw new KaiException("RelaxRuleNeedsApproval", KaiErrorKind.PermissionDenied,
                "A sandbox rule can only be lifted through an approval: approve the approval the blocked run created.", request.RelaxRule);

        if (_approvals.Policy.Rules.Count > 0)
        {
            // Only write-outside-workspace rules need the session before matching; otherwise it is looked up
            // only when a rule matched (a held command must name a real session), not for every command.
            ApprovalMatch? match;
            if (_approvals.Policy.NeedsWorkspace)
            {
                var session = await GetAsync(request.Session, requestAborted).ConfigureAwait(false);
                match = _approvals.Policy.Match(request.Session, request.Command, session.Workspace, request.WorkingDirectory ?? session.WorkingDirectory);
            }
            else
            {
                match = _approvals.Policy.Match(request.Session, request.Command, "/", "/");
                if (match is not null) await GetAsync(request.Session, requestAborted).ConfigureAwait(false);
            }
            if (match is not null)
            {
                var held = _approvals.Hold(request, requestId, ApprovalKind.Policy, match.RuleId, match.Reason, null, actor);
                return Held(request, held);
            }
        }

        var result = await RunAsync(request, requestId, actor, output, requestAborted).ConfigureAwait(false);
        if (result.BlockedBy is { } rule)
        {
            var held = _approvals.Hold(request, requestId, ApprovalKind.SandboxRelax, rule,
                $"The sandbox blocked this command (rule '{rule}'); approving re-runs it once, fresh, with only that rule lifted.", rule, actor);
            result = result with { ApprovalId = held.Id };
        }
        return result;
    }

    /// <summary>Approve-KaiApproval: Pending → Approved, then (unless <paramref name="run"/> is false) runs the held command once.</summary>
    public async Task<ApprovalInfo> ApproveAsync(string id, string actor, string? note, bool run, IProgress<OutputChunk>? output, CancellationToken requestAborted)
    {
        var approved = _approvals.Approve(id, actor, note);
        if (!run) return approved.Info;
        _approvals.Consume(id);
        await RunApprovedAsync(approved, actor, output, requestAborted).ConfigureAwait(false);
        return _approvals.Get(id);
    }

    private async Task<ExecResult> RunApprovedAsync(StoredApproval approved, string actor, IProgress<OutputChunk>? output, CancellationToken requestAborted)
    {
        var request = approved.Info.Kind == ApprovalKind.SandboxRelax
            ? approved.Request with { Mode = ExecMode.Fresh, RelaxRule = approved.Info.RelaxRule }
            : approved.Request;
        var result = await RunAsync(request, approved.Info.Id + "-run", actor, output, requestAborted, approved.Info.Id).ConfigureAwait(false);
        _approvals.SaveResult(approved.Info.Id, result);
        return result with { ApprovalId = approved.Info.Id };
    }

    private async Task<ExecResult> RunAsync(ExecRequest request, string requestId, string actor, IProgress<OutputChunk>? output,
        CancellationToken requestAborted, string? approvalId = null)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _stopping.Token);
        if (!_inFlight.TryAdd(requestId, cancel))
            throw new KaiException("RequestIdInUse", KaiErrorKind.ResourceExists, $"A command with request id '{requestId}' is already running.", requestId);
        _flags.Raise(requestId, request.Session, _redactor.Redact(request.Command));
        ExecResult result;
        try
        {
            var redacting = output is null || _hostRedacts ? output : new RedactingProgress(output, _redactor);
            result = await _host.ExecAsync(request, redacting, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _flags.Lower(requestId);
            _inFlight.TryRemove(requestId, out _);
            if (ex is KaiException { Kind: KaiErrorKind.ObjectNotFound or KaiErrorKind.InvalidArgument }) throw;
            _logger.LogWarning("exec in session {Session} failed: {Message}", request.Session, ex.Message);
            throw;
        }
        _inFlight.TryRemove(requestId, out _);
        if (!_hostRedacts) result = result with { Output = _redactor.Redact(result.Output), Error = _redactor.Redact(result.Error) };
        var how = result switch
        {
            { ApprovalId: not null } when result.ExitCode is null => "held",
            { TimedOut: true } => $"timed out ({result.CancelledBy})",
            { Cancelled: true } => $"cancelled ({result.CancelledBy})",
            { BackgroundProcessId: { } id } => $"started in the background as {id}",
            { BlockedBy: { } rule } => $"exit {result.ExitCode}, blocked by sandbox rule '{rule}'",
            _ => $"exit {result.ExitCode}",
        };
        var relaxed = request.RelaxRule is null ? "" : $", rule '{request.RelaxRule}' lifted";
        var approval = approvalId is null ? "" : $" under approval {approvalId}";
        _audit.Post(AuditKinds.CommandExec, actor, $"{request.Mode}: {how} after {result.Duration.TotalMilliseconds:0} ms{relaxed}{approval}", request.Session, request.Command);
        _flags.Lower(requestId);
        return result;
    }

    /// <summary>The client asked to cancel its command: the engine's graduated cancel runs, the result still streams back.</summary>
    public bool Cancel(string requestId)
    {
        if (!_inFlight.TryGetValue(requestId, out var cancel)) return false;
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        return true;
    }

    /// <summary>Shutdown: every running command gets the graduated cancel.</summary>
    public void CancelAll() => _stopping.Cancel();

    private static ExecResult Held(ExecRequest request, ApprovalInfo held) =>
        new(request.Session, request.Command, "", "", null, false, false, CancelStep.None, false, false, TimeSpan.Zero,
            request.WorkingDirectory ?? "", ApprovalId: held.Id);

    private sealed class RedactingProgress(IProgress<OutputChunk> inner, SecretRedactor redactor) : IProgress<OutputChunk>
    {
        public void Report(OutputChunk value) => inner.Report(value with { Text = redactor.Redact(value.Text) });
    }
}
