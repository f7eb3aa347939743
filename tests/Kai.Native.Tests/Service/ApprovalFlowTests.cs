using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Xunit;

namespace Kai.Native.Tests.Service;

/// <summary>The durable approval protocol end to end through the API (real host code, fake engine).</summary>
public sealed class ApprovalFlowTests
{
    private const string Policy = """
        timeoutSeconds: 600
        rules:
          - id: recursive-delete
            description: Recursive deletes
            pattern: '^rm\s+-[a-zA-Z]*r'
          - id: network
            description: Network use
            network: true
        """;

    [Fact]
    public async Task A_matching_command_is_held_not_run_and_approving_runs_it_exactly_once()
    {
        await using var service = await new InProcessService(Policy).StartAsync();
        await using var client = service.SocketClient();
        await client.StartSessionAsync(new StartSessionRequest("ops"), default);

        var held = await client.ExecAsync(new ExecRequest("ops", "rm -rf /tmp/scratch"), null, default);
        Assert.NotNull(held.ApprovalId);
        Assert.Null(held.ExitCode);
        Assert.Empty(service.Host.Ran);

        var pending = Assert.Single(await client.GetApprovalsAsync(new ApprovalQuery(ApprovalStatus.Pending), default));
        Assert.Equal(held.ApprovalId, pending.Id);
        Assert.Equal("recursive-delete", pending.Rule);
        Assert.Equal(ApprovalKind.Policy, pending.Kind);
        Assert.True(pending.Expires - pending.Requested == TimeSpan.FromSeconds(600));

        var approved = await client.ApproveAsync(pending.Id, "ok by test", run: true, null, default);
        Assert.Equal(ApprovalStatus.Approved, approved.Status);
        Assert.Equal(0, approved.Result?.ExitCode);
        Assert.Equal("rm -rf /tmp/scratch", Assert.Single(service.Host.Ran).Command);

        var again = await Assert.ThrowsAsync<KaiException>(() => client.ApproveAsync(pending.Id, null, true, null, default));
        Assert.Equal("ApprovalNotPending", again.ErrorId);
        Assert.Single(service.Host.Ran);

        var kinds = (await client.GetAuditLogAsync(new AuditQuery(Kind: "approval.*"), default)).Select(a => a.Kind);
        Assert.Equal(new[] { AuditKinds.ApprovalRequested, AuditKinds.ApprovalApproved }, kinds);
    }

    [Fact]
    public async Task The_same_request_gets_the_same_id_and_a_changed_command_is_refused_under_it()
    {
        await using var service = await new InProcessService(Policy).StartAsync();
        await using var client = service.TcpClient();
        await client.StartSessionAsync(new StartSessionRequest("ops"), default);
        using var http = service.Http();

        async Task<ExecResult> Post(string command, string requestId, string? approvalId = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/sessions/ops/exec")
            {
                Content = new StringContent(JsonSerializer.Serialize(new ExecBody(command, ApprovalId: approvalId), ServiceJson.Default.ExecBody), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add(ServiceHeaders.RequestId, requestId);
            using var response = await http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
                throw ServiceErrors.ToException(JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), ServiceJson.Default.ServiceError)!);
            var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var last = JsonSerializer.Deserialize(lines[^1], ServiceJson.Default.StreamEvent)!;
            if (last.Error is { } error) throw ServiceErrors.ToException(error);
            return last.Result!;
        }

        var first = await Post("curl https://example.invalid/x", "req-1");
        var retry = await Post("curl https://example.invalid/x", "req-1");
        var other = await Post("curl https://example.invalid/x", "req-2");
        Assert.Equal(first.ApprovalId, retry.ApprovalId);
        Assert.NotEqual(first.ApprovalId, other.ApprovalId);
        Assert.Equal(2, (await client.GetApprovalsAsync(new ApprovalQuery(ApprovalStatus.Pending), default)).Count);

        // Approve without running: the requester re-submits it once under the id, and only that exact command.
        await client.ApproveAsync(first.ApprovalId!, null, run: false, null, default);
        Assert.Empty(service.Host.Ran);
        var changed = await Assert.ThrowsAsync<KaiException>(() => Post("curl https://evil.invalid/x", "req-3", first.ApprovalId));
        Assert.Equal("ApprovalCommandMismatch", changed.ErrorId);
        Assert.Equal(KaiErrorKind.SecurityError, changed.Kind);
        Assert.Empty(service.Host.Ran);
        var ran = await client.ExecApprovedAsync(new ExecRequest("ops", "curl https://example.invalid/x"), first.ApprovalId!, null, default);
        Assert.Equal(0, ran.ExitCode);
        Assert.Single(service.Host.Ran);
        var reused = await Assert.ThrowsAsync<KaiException>(() => client.ExecApprovedAsync(new ExecRequest("ops", "curl https://example.invalid/x"), first.ApprovalId!, null, default));
        Assert.Equal("ApprovalAlreadyUsed", reused.ErrorId);

        // A denied one never runs, by approve or by re-submission.
        var denied = await client.DenyAsync(other.ApprovalId!, "no", default);
        Assert.Equal(ApprovalStatus.Denied, denied.Status);
        var afterDeny = await Assert.ThrowsAsync<KaiException>(() => client.ExecApprovedAsync(new ExecRequest("ops", "curl https://example.invalid/x"), other.ApprovalId!, null, default));
        Assert.Equal("ApprovalDenied", afterDeny.ErrorId);
        Assert.Single(service.Host.Ran);
        Assert.Contains(await client.GetAuditLogAsync(new AuditQuery(Kind: AuditKinds.ApprovalRefused), default), a => a.Target!.Contains("evil"));
    }

    [Fact]
    public async Task Pending_approvals_are_closed_on_restart_and_never_run_and_reconnecting_clients_get_the_replay()
    {
        await using var service = await new InProcessService(Policy).StartAsync();
        string id;
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await using (var client = service.SocketClient())
        {
            await client.StartSessionAsync(new StartSessionRequest("ops"), default);
            id = (await client.ExecAsync(new ExecRequest("ops", "rm -r build"), null, default)).ApprovalId!;
        }

        await service.RestartAsync();
        await using var reconnected = service.SocketClient();
        await reconnected.StartSessionAsync(new StartSessionRequest("ops"), default);
        var replay = await reconnected.GetApprovalsAsync(new ApprovalQuery(Since: before), default);
        var closed = Assert.Single(replay);
        Assert.Equal(id, closed.Id);
        Assert.Equal(ApprovalStatus.SessionClosed, closed.Status);
        Assert.StartsWith("session_closed", closed.Resolution);

        var late = await Assert.ThrowsAsync<KaiException>(() => reconnected.ApproveAsync(id, null, true, null, default));
        Assert.Equal("ApprovalClosed", late.ErrorId);
        Assert.Equal(KaiErrorKind.PermissionDenied, late.Kind);
        Assert.Empty(service.Host.Ran);
        Assert.Single(await reconnected.GetAuditLogAsync(new AuditQuery(Kind: AuditKinds.ApprovalSessionClosed), default));
    }

    [Fact]
    public async Task Unanswered_approvals_time_out_as_denied()
    {
        await using var service = await new InProcessService(Policy.Replace("timeoutSeconds: 600", "timeoutSeconds: 1")).StartAsync();
        await using var client = service.SocketClient();
        await client.StartSessionAsync(new StartSessionRequest("ops"), default);
        var id = (await client.ExecAsync(new ExecRequest("ops", "wget http://example.invalid"), null, default)).ApprovalId!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        ApprovalInfo approval;
        do
        {
            await Task.Delay(200);
            approval = await client.GetApprovalAsync(id, default);
        }
        while (approval.Status == ApprovalStatus.Pending && DateTime.UtcNow < deadline);
        Assert.Equal(ApprovalStatus.TimedOut, approval.Status);
        var ex = await Assert.ThrowsAsync<KaiException>(() => client.ApproveAsync(id, null, true, null, default));
        Assert.Equal("ApprovalTimedOut", ex.ErrorId);
        Assert.Empty(service.Host.Ran);
    }

    [Fact]
    public async Task A_sandbox_blocked_command_offers_one_rerun_with_exactly_that_rule_lifted()
    {
        await using var service = await new InProcessService().StartAsync();
        await using var client = service.SocketClient();
        await client.StartSessionAsync(new StartSessionRequest("dev"), default);

        var blocked = await client.ExecAsync(new ExecRequest("dev", "blocked network"), null, default);
        Assert.Equal("network", blocked.BlockedBy);
        Assert.Equal(1, blocked.ExitCode);
        Assert.NotNull(blocked.ApprovalId);
        var approval = await client.GetApprovalAsync(blocked.ApprovalId!, default);
        Assert.Equal(ApprovalKind.SandboxRelax, approval.Kind);
        Assert.Equal("network", approval.RelaxRule);

        // Lifting a rule is never a client's own choice.
        var direct = await Assert.ThrowsAsync<KaiException>(() => client.ExecAsync(new ExecRequest("dev", "blocked network", RelaxRule: "network"), null, default));
        Assert.Equal("RelaxRuleNeedsApproval", direct.ErrorId);

        var approved = await client.ApproveAsync(approval.Id, null, true, null, default);
        Assert.Equal(0, approved.Result!.ExitCode);
        Assert.Equal("ran with network lifted\n", approved.Result.Output);
        var rerun = service.Host.Ran.Last();
        Assert.Equal("network", rerun.RelaxRule);
        Assert.Equal(ExecMode.Fresh, rerun.Mode);
        Assert.Equal(2, service.Host.Ran.Count);
    }

    [Fact]
    public async Task A_command_that_would_be_held_in_an_unknown_session_is_SessionNotFound_and_nothing_is_held()
    {
        await using var service = await new InProcessService(Policy).StartAsync();
        await using var client = service.SocketClient();
        var ex = await Assert.ThrowsAsync<KaiException>(() => client.ExecAsync(new ExecRequest("ghost", "rm -rf /"), null, default));
        Assert.Equal("SessionNotFound", ex.ErrorId);
        Assert.Empty(await client.GetApprovalsAsync(new ApprovalQuery(), default));
    }

    [Fact]
    public async Task Stopping_a_session_closes_its_pending_approvals()
    {
        await using var service = await new InProcessService(Policy).StartAsync();
        await using var client = service.SocketClient();
        await client.StartSessionAsync(new StartSessionRequest("a"), default);
        await client.StartSessionAsync(new StartSessionRequest("b"), default);
        var ida = (await client.ExecAsync(new ExecRequest("a", "rm -r x"), null, default)).ApprovalId!;
        var idb = (await client.ExecAsync(new ExecRequest("b", "rm -r x"), null, default)).ApprovalId!;
        await client.StopSessionAsync("a", default);
        Assert.Equal(ApprovalStatus.SessionClosed, (await client.GetApprovalAsync(ida, default)).Status);
        Assert.Equal(ApprovalStatus.Pending, (await client.GetApprovalAsync(idb, default)).Status);
    }
}
