using System.Text.Json;
using System.Text.Json.Serialization;
using Kai.Native.Sessions;

namespace Kai.Native.Service;

/// <summary>The JSON error body of every failed API call.</summary>
public sealed record ServiceError(string ErrorId, string Message, string? Target, KaiErrorKind Kind = KaiErrorKind.InvalidOperation, string? RecommendedAction = null);

/// <summary>Body of POST /api/sessions/{name}/exec: the request without the session (it is in the path).</summary>
public sealed record ExecBody(
    string Command,
    ExecMode Mode = ExecMode.Persistent,
    string? WorkingDirectory = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    byte[]? StandardInput = null,
    TimeSpan? Timeout = null,
    TimeoutAction OnTimeout = TimeoutAction.Cancel,
    int? OutputCap = null,
    string? RelaxRule = null,
    string? ApprovalId = null)
{
    public ExecRequest ToRequest(string session) =>
        new(session, Command, Mode, WorkingDirectory, Environment, StandardInput, Timeout, OnTimeout, OutputCap, RelaxRule);

    public static ExecBody From(ExecRequest request, string? approvalId = null) =>
        new(request.Command, request.Mode, request.WorkingDirectory, request.Environment, request.StandardInput,
            request.Timeout, request.OnTimeout, request.OutputCap, request.RelaxRule, approvalId);
}

/// <summary>Body of approve/deny: an optional note kept in the approval and the audit log; approve runs the held command unless Run is false (then the requester re-submits it once under the approval id).</summary>
public sealed record ResolveBody(string? Note = null, bool Run = true);

/// <summary>
/// One line of a streamed (NDJSON) response: "output" chunks as they arrive, then exactly one "result"
/// or "error" (or "approval" for approve calls).
/// </summary>
public sealed record StreamEvent(
    string Type,
    OutputStream? Stream = null,
    string? Text = null,
    ExecResult? Result = null,
    ApprovalInfo? Approval = null,
    ServiceError? Error = null)
{
    public const string Output = "output", ResultType = "result", ApprovalType = "approval", ErrorType = "error";
}

public sealed record HealthBody(string Status, string Version);

/// <summary>HTTP headers of the protocol.</summary>
public static class ServiceHeaders
{
    /// <summary>Client-chosen id of one exec: used to cancel it and to derive a stable approval id.</summary>
    public const string RequestId = "X-Kai-Request-Id";
    /// <summary>Who the client says it is (display only, audited beside what the server saw).</summary>
    public const string Client = "X-Kai-Client";
    public const string NdJson = "application/x-ndjson";
}

/// <summary>Source-generated JSON for the wire types (camelCase, enums as strings).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ServiceError))]
[JsonSerializable(typeof(ExecBody))]
[JsonSerializable(typeof(ResolveBody))]
[JsonSerializable(typeof(StreamEvent))]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(StartSessionRequest))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(IReadOnlyList<SessionInfo>))]
[JsonSerializable(typeof(ExecResult))]
[JsonSerializable(typeof(BackgroundProcessInfo))]
[JsonSerializable(typeof(IReadOnlyList<BackgroundProcessInfo>))]
[JsonSerializable(typeof(BackgroundOutput))]
[JsonSerializable(typeof(SessionTranscript))]
[JsonSerializable(typeof(ApprovalInfo))]
[JsonSerializable(typeof(IReadOnlyList<ApprovalInfo>))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(IReadOnlyList<AuditEntry>))]
[JsonSerializable(typeof(AuditVerification))]
[JsonSerializable(typeof(ServiceInfo))]
[JsonSerializable(typeof(ExecRequest))]
public sealed partial class ServiceJson : JsonSerializerContext
{
}
