using System.Globalization;
using Kai.Native;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.Service.Audit;
using Kai.Service.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

using Kai.Service.Hosting;

namespace Kai.Service.Api;

/// <summary>The HTTP API: one endpoint per thing the session cmdlets do, plus approvals and audit.</summary>
public static class ApiEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health", (HttpContext c) => ApiResults.WriteJsonAsync(c, new HealthBody("ok", ServiceVersion.Current), ServiceJson.Default.HealthBody));

        var api = app.MapGroup("/api");
        api.MapGet("/info", (HttpContext c, ServiceInfoProvider info) =>
            ApiResults.WriteJsonAsync(c, info.Describe(Caller.Of(c)), ServiceJson.Default.ServiceInfo));

        // Sessions
        api.MapGet("/sessions", async (HttpContext c, SessionGateway g) =>
            await ApiResults.WriteJsonAsync(c, await g.Host.GetSessionsAsync(c.RequestAborted), ServiceJson.Default.IReadOnlyListSessionInfo));
        api.MapPost("/sessions", async (HttpContext c, SessionGateway g) =>
        {
            var request = await ApiResults.ReadJsonAsync(c, ServiceJson.Default.StartSessionRequest);
            await ApiResults.WriteJsonAsync(c, await g.StartAsync(request, Caller.Of(c).Actor, c.RequestAborted), ServiceJson.Default.SessionInfo, StatusCodes.Status201Created);
        });
        api.MapGet("/sessions/{name}", async (HttpContext c, SessionGateway g, string name) =>
            await ApiResults.WriteJsonAsync(c, await g.GetAsync(name, c.RequestAborted), ServiceJson.Default.SessionInfo));
        api.MapPost("/sessions/{name}/stop", async (HttpContext c, SessionGateway g, string name) =>
            await ApiResults.WriteJsonAsync(c, await g.StopAsync(name, Caller.Of(c).Actor, c.RequestAborted), ServiceJson.Default.SessionInfo));
        api.MapDelete("/sessions/{name}", async (HttpContext c, SessionGateway g, string name) =>
        {
            await g.RemoveAsync(name, Caller.Of(c).Actor, c.RequestAborted);
            c.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        api.MapGet("/sessions/{name}/transcript", async (HttpContext c, SessionGateway g, string name) =>
            await ApiResults.WriteJsonAsync(c, await g.Host.GetTranscriptAsync(SessionGateway.CheckName(name), c.RequestAborted), ServiceJson.Default.SessionTranscript));
        api.MapPost("/sessions/{name}/exec", async (HttpContext c, SessionGateway g, string name) =>
        {
            SessionGateway.CheckName(name);
            var body = await ApiResults.ReadJsonAsync(c, ServiceJson.Default.ExecBody);
            var requestId = RequestId(c);
            var actor = Caller.Of(c).Actor;
            await NdJsonStream.WriteAsync(c, async progress =>
            {
                var result = await g.ExecAsync(body.ToRequest(name), requestId, body.ApprovalId, actor, progress, c.RequestAborted);
                return new StreamEvent(StreamEvent.ResultType, Result: result);
            });
        });
        api.MapPost("/execs/{requestId}/cancel", (HttpContext c, SessionGateway g, string requestId) =>
        {
            if (!g.Cancel(requestId))
                throw new KaiException("ExecNotRunning", KaiErrorKind.ObjectNotFound, $"No command with request id '{requestId}' is running.", requestId);
            c.Response.StatusCode = StatusCodes.Status202Accepted;
            return Task.CompletedTask;
        });

        // Background processes
        api.MapGet("/processes", async (HttpContext c, SessionGateway g) =>
        {
            var session = c.Request.Query["session"].ToString();
            var list = await g.Host.GetProcessesAsync(session.Length == 0 ? null : SessionGateway.CheckName(session), c.RequestAborted);
            await ApiResults.WriteJsonAsync(c, list, ServiceJson.Default.IReadOnlyListBackgroundProcessInfo);
        });
        api.MapGet("/processes/{id}", async (HttpContext c, SessionGateway g, string id) =>
        {
            SessionGateway.CheckName(id, "process");
            var found = (await g.Host.GetProcessesAsync(null, c.RequestAborted)).FirstOrDefault(p => p.Id == id)
                ?? throw new KaiException("ProcessNotFound", KaiErrorKind.ObjectNotFound, $"No background process with id '{id}'.", id);
            await ApiResults.WriteJsonAsync(c, found, ServiceJson.Default.BackgroundProcessInfo);
        });
        api.MapGet("/processes/{id}/output", async (HttpContext c, SessionGateway g, string id) =>
            await ApiResults.WriteJsonAsync(c, await g.Host.ReceiveProcessAsync(SessionGateway.CheckName(id, "process"), c.RequestAborted), ServiceJson.Default.BackgroundOutput));
        api.MapPost("/processes/{id}/kill", async (HttpContext c, SessionGateway g, AuditLog audit, string id) =>
        {
            var info = await g.Host.StopProcessAsync(SessionGateway.CheckName(id, "process"), c.RequestAborted);
            audit.Append(AuditKinds.ProcessKill, Caller.Of(c).Actor, $"background process {id} stopped ({info.State})", info.Session, info.Command);
            await ApiResults.WriteJsonAsync(c, info, ServiceJson.Default.BackgroundProcessInfo);
        });
        api.MapPost("/processes/{id}/wait", async (HttpContext c, SessionGateway g, string id) =>
        {
            TimeSpan? timeout = null;
            if (c.Request.Query["timeoutSeconds"].ToString() is { Length: > 0 } text)
            {
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || seconds > 86400)
                    throw InvalidQuery("timeoutSeconds", text);
                timeout = TimeSpan.FromSeconds(seconds);
            }
            await ApiResults.WriteJsonAsync(c, await g.Host.WaitProcessAsync(SessionGateway.CheckName(id, "process"), timeout, c.RequestAborted), ServiceJson.Default.BackgroundProcessInfo);
        });

        // Approvals
        api.MapGet("/approvals", (HttpContext c, SessionGateway g) =>
        {
            var q = c.Request.Query;
            ApprovalStatus? status = null;
            if (q["status"].ToString() is { Length: > 0 } s)
                status = Enum.TryParse<ApprovalStatus>(s, true, out var parsed) && Enum.IsDefined(parsed) ? parsed : throw InvalidQuery("status", s);
            var session = q["session"].ToString() is { Length: > 0 } n ? SessionGateway.CheckName(n) : null;
            var list = g.Approvals.List(new ApprovalQuery(status, session, Time(q["since"], "since")));
            return ApiResults.WriteJsonAsync(c, list, ServiceJson.Default.IReadOnlyListApprovalInfo);
        });
        api.MapGet("/approvals/{id}", (HttpContext c, SessionGateway g, string id) =>
            ApiResults.WriteJsonAsync(c, g.Approvals.Get(id), ServiceJson.Default.ApprovalInfo));
        api.MapPost("/approvals/{id}/approve", async (HttpContext c, SessionGateway g, string id) =>
        {
            var body = await ApiResults.ReadJsonAsync(c, ServiceJson.Default.ResolveBody, optional: true);
            var actor = Caller.Of(c).Actor;
            await NdJsonStream.WriteAsync(c, async progress =>
            {
                var approval = await g.ApproveAsync(id, actor, body.Note, body.Run, progress, c.RequestAborted);
                return new StreamEvent(StreamEvent.ApprovalType, Approval: approval);
            });
        });
        api.MapPost("/approvals/{id}/deny", async (HttpContext c, SessionGateway g, string id) =>
        {
            var body = await ApiResults.ReadJsonAsync(c, ServiceJson.Default.ResolveBody, optional: true);
            await ApiResults.WriteJsonAsync(c, g.Approvals.Deny(id, Caller.Of(c).Actor, body.Note), ServiceJson.Default.ApprovalInfo);
        });

        // Audit
        api.MapGet("/audit", (HttpContext c, AuditLog audit) =>
        {
            var q = c.Request.Query;
            int? last = null;
            if (q["last"].ToString() is { Length: > 0 } l)
                last = int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 100_000 ? n : throw InvalidQuery("last", l);
            var session = q["session"].ToString() is { Length: > 0 } name ? SessionGateway.CheckName(name) : null;
            var kind = q["kind"].ToString() is { Length: > 0 } k ? k : null;
            var list = audit.Query(new AuditQuery(Time(q["since"], "since"), Time(q["until"], "until"), kind, session, last));
            return ApiResults.WriteJsonAsync(c, list, ServiceJson.Default.IReadOnlyListAuditEntry);
        });
        api.MapGet("/audit/verify", (HttpContext c, AuditLog audit) =>
            ApiResults.WriteJsonAsync(c, audit.Verify(), ServiceJson.Default.AuditVerification));

        // Webhooks: authenticated like the API; no webhook consumer is configured in this service yet.
        app.Map("/webhook/{**rest}", (HttpContext c) =>
            ApiResults.WriteErrorAsync(c, StatusCodes.Status404NotFound, new KaiException("WebhookNotConfigured", KaiErrorKind.ObjectNotFound,
                "No webhook handler is configured on this Kai service.", c.Request.Path.Value)));

        app.MapFallback((HttpContext c) =>
            ApiResults.WriteErrorAsync(c, StatusCodes.Status404NotFound, new KaiException("EndpointNotFound", KaiErrorKind.ObjectNotFound,
                $"No such endpoint: {c.Request.Method} {c.Request.Path}.", c.Request.Path.Value)));
    }

    /// <summary>The client's request id (X-Kai-Request-Id), or a new one. Limited to a safe shape: it names a flag file.</summary>
    private static string RequestId(HttpContext context)
    {
        var id = context.Request.Headers[ServiceHeaders.RequestId].ToString();
        if (id.Length == 0) return Guid.NewGuid().ToString("N");
        if (id.Length > 64 || !id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-'))
            throw new KaiException("InvalidRequestId", KaiErrorKind.InvalidArgument, $"{ServiceHeaders.RequestId} must be 1-64 letters, digits or '-'.", ServiceHeaders.RequestId);
        return id;
    }

    private static DateTimeOffset? Time(Microsoft.Extensions.Primitives.StringValues value, string name)
    {
        var text = value.ToString();
        if (text.Length == 0) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : throw InvalidQuery(name, text);
    }

    private static KaiException InvalidQuery(string name, string value) =>
        new("InvalidQuery", KaiErrorKind.InvalidArgument, $"Query parameter '{name}' has an invalid value '{value}'.", name);
}
