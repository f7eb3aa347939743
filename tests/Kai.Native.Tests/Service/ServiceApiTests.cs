using Xunit;
using System.Net;
using System.Text;
using System.Text.Json;
using Kai.Native.Service;
using Kai.Native.Sessions;

namespace Kai.Native.Tests.Service;

/// <summary>The API and its client, against the real host code in process (fake engine): sessions, streaming, cancel, bad input, auth.</summary>
public sealed class ServiceApiTests
{
    private static async Task<ServiceError> ErrorOf(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonSerializer.Deserialize(text, ServiceJson.Default.ServiceError) ?? throw new InvalidOperationException("no error body: " + text);
    }

    [Fact]
    public async Task Sessions_exec_and_transcript_round_trip_through_the_client_and_are_audited()
    {
        await using var service = await new InProcessService().StartAsync();
        await using var client = service.SocketClient();
        await client.ConnectAsync(default);
        Assert.Equal("socket-token", client.Connection.Authentication);

        var started = await client.StartSessionAsync(new StartSessionRequest("build", "/work/build"), default);
        Assert.Equal("build", started.Name);
        var chunks = new List<OutputChunk>();
        var result = await client.ExecAsync(new ExecRequest("build", "echo hello"), new SyncProgress(chunks.Add), default);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hello\n", result.Output);
        Assert.Equal("hello\n", Assert.Single(chunks).Text);

        var transcript = await client.GetTranscriptAsync("build", default);
        Assert.Equal("echo hello", Assert.Single(transcript.Commands).Command);
        Assert.Equal(SessionState.Stopped, (await client.StopSessionAsync("build", default)).State);
        await client.RemoveSessionAsync("build", default);
        Assert.Empty(await client.GetSessionsAsync(default));

        var kinds = (await client.GetAuditLogAsync(new AuditQuery(Session: "build"), default)).Select(e => e.Kind).ToList();
        Assert.Equal(new[] { AuditKinds.SessionStart, AuditKinds.CommandExec, AuditKinds.SessionStop, AuditKinds.SessionRemove }, kinds);
        Assert.True((await client.VerifyAuditLogAsync(default)).Valid);
    }

    [Fact]
    public async Task Cancelling_a_streaming_exec_runs_the_cancel_in_the_service_and_still_returns_the_result()
    {
        await using var service = await new InProcessService().StartAsync();
        await using var client = service.TcpClient();
        await client.StartSessionAsync(new StartSessionRequest("s1"), default);
        using var cancel = new CancellationTokenSource();
        var result = await client.ExecAsync(new ExecRequest("s1", "sleep 60"), new SyncProgress(_ => cancel.Cancel()), cancel.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(CancelStep.Interrupt, result.CancelledBy);
        Assert.Equal("sleeping\n", result.Output);
    }

    [Fact]
    public async Task Cancelling_before_any_output_still_cancels_in_the_service_and_returns_the_result()
    {
        await using var service = await new InProcessService().StartAsync();
        await using var client = service.SocketClient();
        await client.StartSessionAsync(new StartSessionRequest("s1"), default);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var result = await client.ExecAsync(new ExecRequest("s1", "quiet 60"), null, cancel.Token).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.Cancelled);
        Assert.Equal(CancelStep.Interrupt, result.CancelledBy);
    }

    [Fact]
    public async Task Stopping_the_service_cancels_running_commands_and_their_clients_get_the_result()
    {
        await using var service = await new InProcessService().StartAsync();
        await using var client = service.SocketClient();
        await client.StartSessionAsync(new StartSessionRequest("s1"), default);
        var started = new TaskCompletionSource();
        var running = client.ExecAsync(new ExecRequest("s1", "sleep 60"), new SyncProgress(_ => started.TrySetResult()), default);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await service.StopAsync());
        var result = await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.Cancelled);
        Assert.True(service.Host.Disposed);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(service.DataDirectory, ".responding")));
    }

    [Fact]
    public async Task Unknown_session_is_SessionNotFound_for_the_client_and_404_over_http()
    {
        await using var service = await new InProcessService().StartAsync();
        await using var client = service.TcpClient();
        var ex = await Assert.ThrowsAsync<KaiException>(() => client.ExecAsync(new ExecRequest("ghost", "echo x"), null, default));
        Assert.Equal("SessionNotFound", ex.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, ex.Kind);
        Assert.Equal("ghost", ex.Target);

        using var http = service.Http();
        using var response = await http.GetAsync("api/sessions/ghost");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("SessionNotFound", error.ErrorId);
        Assert.Equal("ghost", error.Target);
    }

    [Fact]
    public async Task Bad_input_gets_its_status_and_error_body_and_changes_nothing()
    {
        await using var service = await new InProcessService().StartAsync();
        using var http = service.Http();

        async Task Expect(HttpResponseMessage response, HttpStatusCode status, string errorId)
        {
            using (response)
            {
                Assert.Equal(status, response.StatusCode);
                Assert.Equal(errorId, (await ErrorOf(response)).ErrorId);
            }
        }

        StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
        await Expect(await http.PostAsync("api/sessions", Json("{\"name\": \"x\",")), HttpStatusCode.BadRequest, "MalformedJson");
        await Expect(await http.PostAsync("api/sessions", Json("[1,2]")), HttpStatusCode.BadRequest, "MalformedJson");
        // Expect: 100-continue, as a well-behaved client sends a large upload: the service answers 413 before the body.
        using (var tooLarge = new HttpRequestMessage(HttpMethod.Post, "api/sessions") { Content = Json("{\"name\": \"" + new string('a', 2 * 1024 * 1024) + "\"}") })
        {
            tooLarge.Headers.ExpectContinue = true;
            await Expect(await http.SendAsync(tooLarge), HttpStatusCode.RequestEntityTooLarge, "RequestBodyTooLarge");
        }
        await Expect(await http.PostAsync("api/sessions", Json("{\"name\": \"../../etc\"}")), HttpStatusCode.BadRequest, "InvalidSessionName");
        await Expect(await http.PostAsync("api/sessions/..%2F..%2Fetc/exec", Json("{\"command\": \"echo\"}")), HttpStatusCode.BadRequest, "InvalidSessionName");
        await Expect(await http.PostAsync("api/sessions/a%20b/exec", Json("{\"command\": \"echo\"}")), HttpStatusCode.BadRequest, "InvalidSessionName");
        await Expect(await http.GetAsync("api/nothing-here"), HttpStatusCode.NotFound, "EndpointNotFound");
        await Expect(await http.GetAsync("api/audit?last=banana"), HttpStatusCode.BadRequest, "InvalidQuery");
        await Expect(await http.GetAsync("api/approvals?status=Maybe"), HttpStatusCode.BadRequest, "InvalidQuery");
        await Expect(await http.GetAsync("api/approvals/not-an-id"), HttpStatusCode.BadRequest, "ApprovalIdInvalid");
        await Expect(await http.GetAsync("api/approvals/ap-0123456789abcdef0123456789abcdef"), HttpStatusCode.NotFound, "ApprovalNotFound");
        await Expect(await http.PostAsync("api/execs/none/cancel", null), HttpStatusCode.NotFound, "ExecNotRunning");

        await using var client = service.TcpClient();
        Assert.Empty(await client.GetSessionsAsync(default));
        Assert.Empty(service.Host.Ran);
        Assert.Empty(await client.GetAuditLogAsync(new AuditQuery(Kind: "session.*"), default));
    }

    [Fact]
    public async Task Missing_or_wrong_secret_is_401_then_throttled_429_with_retry_after_and_audited()
    {
        await using var service = await new InProcessService().StartAsync();
        using (var anonymous = service.Http(secret: null))
        using (var response = await anonymous.GetAsync("api/sessions"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("ServiceAuthenticationFailed", (await ErrorOf(response)).ErrorId);
        }
        using (var health = service.Http(secret: null))
            Assert.Equal(HttpStatusCode.OK, (await health.GetAsync("health")).StatusCode);

        using var wrong = service.Http(secret: "not-the-secret-at-all-00000000");
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("api/sessions")).StatusCode);
        using (var locked = await wrong.PostAsync("webhook/telegram", null))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
            Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Equal("ServiceAuthenticationThrottled", (await ErrorOf(locked)).ErrorId);
        }
        // Locked out: even the right secret waits (no oracle while throttled).
        using (var right = service.Http())
            Assert.Equal(HttpStatusCode.TooManyRequests, (await right.GetAsync("api/sessions")).StatusCode);

        // The socket is another client (its peer uid), not locked out; the log has the failures and no secret.
        await using var client = service.SocketClient();
        var failures = await client.GetAuditLogAsync(new AuditQuery(Kind: "auth.*"), default);
        Assert.Equal(5, failures.Count(e => e.Kind == AuditKinds.AuthFailure));
        Assert.Single(failures, e => e.Kind == AuditKinds.AuthThrottled);
        Assert.All(failures, e => Assert.StartsWith("tcp 127.0.0.1", e.Actor));
        Assert.DoesNotContain("not-the-secret", string.Join("\n", failures.Select(f => f.Message + f.Actor)));
    }

    [Fact]
    public async Task The_socket_token_is_accepted_on_the_socket_only_and_the_api_secret_on_both()
    {
        await using var service = await new InProcessService().StartAsync();
        var token = File.ReadAllText(service.SocketPath + ".token").Trim();
        Assert.Equal("0640", Convert.ToString((int)File.GetUnixFileMode(service.SocketPath + ".token"), 8).PadLeft(4, '0'));

        await using (var socketWithSecret = ServiceSessionHost.ForSocket(service.SocketPath, new Secret(ServiceTestEnvironment.Secret)))
            Assert.Equal("api-secret", (await socketWithSecret.ConnectAsync(default)).Authentication);
        await using var tcpWithToken = service.TcpClient(token);
        var ex = await Assert.ThrowsAsync<KaiException>(() => tcpWithToken.ConnectAsync(default));
        Assert.Equal("ServiceAuthenticationFailed", ex.ErrorId);
        Assert.Equal(KaiErrorKind.AuthenticationError, ex.Kind);
    }

    [Fact]
    public async Task Secrets_from_the_env_file_are_redacted_from_results_and_the_audit_log()
    {
        await using var service = await new InProcessService().StartAsync();
        await using var client = service.SocketClient();
        await client.StartSessionAsync(new StartSessionRequest("s"), default);
        var result = await client.ExecAsync(new ExecRequest("s", "echo token " + ServiceTestEnvironment.BotToken), null, default);
        Assert.DoesNotContain(ServiceTestEnvironment.BotToken, result.Output);
        Assert.Contains(Redactor.Replacement, result.Output);
        var audit = await client.GetAuditLogAsync(new AuditQuery(Kind: AuditKinds.CommandExec), default);
        Assert.DoesNotContain(ServiceTestEnvironment.BotToken, string.Join("\n", audit.Select(a => a.Target + a.Message)));
        var log = File.ReadAllText(Path.Combine(service.DataDirectory, "logs", "kai.log"));
        Assert.DoesNotContain(ServiceTestEnvironment.Secret, log);
        Assert.DoesNotContain(ServiceTestEnvironment.BotToken, log);
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
    internal sealed class SyncProgress(Action<OutputChunk> report) : IProgress<OutputChunk>
    {
        public void Report(OutputChunk value) => report(value);
    }
}
