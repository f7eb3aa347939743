using System.Diagnostics;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.Native.Store;
using Kai.Service.Audit;
using Kai.Service.Logging;
using Xunit;

namespace Kai.Native.Tests.Service;

/// <summary>A real `artifacts/bin/kai serve` process: readiness, graceful stop, refusal of bad config, socket permissions.</summary>
public sealed class KaiServeProcessTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task It_says_READY_then_stops_gracefully_on_SIGTERM_removing_its_socket(bool abstractNotifySocket)
    {
        await using var service = new KaiServeProcess();
        await service.StartAsync(abstractNotifySocket);
        var ready = await service.Notify.WaitForAsync("READY=1", TimeSpan.FromSeconds(5));
        Assert.Contains($"MAINPID={service.Process.Id}", ready);
        Assert.True(File.Exists(service.SocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(service.SocketPath));

        await using (var client = service.SocketClient())
            Assert.Equal(service.Process.Id, (await client.ConnectAsync(default)).ProcessId);

        Assert.Equal(0, await service.StopAsync());
        await service.Notify.WaitForAsync("STOPPING=1", TimeSpan.FromSeconds(5));
        Assert.False(File.Exists(service.SocketPath));
        Assert.False(File.Exists(service.SocketPath + ".token"));
        var log = File.ReadAllText(Path.Combine(service.DataDirectory, "logs", "kai.log"));
        Assert.Contains("ready: pid", log);
        Assert.Contains("kai serve stopped", log);
        Assert.DoesNotContain(ServiceTestEnvironment.Secret, log);
        Assert.Equal("ok", KaiDatabase.IntegrityCheck(Path.Combine(service.DataDirectory, "kai.db")));
        using var audit = new AuditLog(new KaiDatabase(Path.Combine(service.DataDirectory, "kai.db")), SecretRedactor.None);
        Assert.Equal(new[] { AuditKinds.ConfigLoaded, AuditKinds.ServiceStart, AuditKinds.ServiceStop }, audit.Query(new AuditQuery()).Select(a => a.Kind));
    }

    [Fact]
    public async Task A_bad_config_is_refused_with_one_line_in_stderr_and_the_log_and_exit_78()
    {
        await using var service = new KaiServeProcess();
        File.WriteAllText(service.EnvFile, "WEBHOOK_PORT=8080\nTELEGRAM_BOT_TOKEN=" + ServiceTestEnvironment.BotToken + "\n");
        var (code, stderr) = await RunToEnd(service.StartInfo());
        Assert.Equal(78, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kai serve: refusing to start:", line);
        Assert.Contains("WEBHOOK_SECRET is missing", line);
        Assert.Contains(line, File.ReadAllText(Path.Combine(service.DataDirectory, "logs", "kai.log")));
        Assert.False(File.Exists(service.SocketPath));

        File.WriteAllText(Path.Combine(service.DataDirectory, "approvals.yaml"), "rules:\n  - id: x\n    pattern: '(['\n");
        ServiceTestEnvironment.WriteEnvFile(service.EnvFile, service.Port);
        (code, stderr) = await RunToEnd(service.StartInfo());
        Assert.Equal(78, code);
        Assert.Contains("invalid regular expression", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        File.Delete(Path.Combine(service.DataDirectory, "approvals.yaml"));
        (code, stderr) = await RunToEnd(service.StartInfo("--check"));
        Assert.Equal(0, code);
        Assert.Contains("configuration OK", stderr);
    }

    [Fact]
    public async Task A_second_service_on_the_same_data_directory_refuses_to_start()
    {
        await using var service = new KaiServeProcess();
        await service.StartAsync();
        var start = service.StartInfo();
        start.Environment["KAI_ENV_FILE"] = ServiceTestEnvironment.WriteEnvFile(service.Directory_.Combine("env2"), ServiceTestEnvironment.FreePort());
        var (code, stderr) = await RunToEnd(start);
        Assert.Equal(78, code);
        Assert.Contains("already listening", stderr);
        await using var client = service.SocketClient();
        await client.ConnectAsync(default);
    }

    [Fact]
    public async Task Only_root_the_service_user_and_its_group_may_use_the_socket()
    {
        await using var service = new KaiServeProcess();
        File.SetUnixFileMode(service.Directory_.Path, (UnixFileMode)0b111_001_001);
        await service.StartAsync();

        // Mode 0660: another account cannot even connect.
        Assert.Equal("EACCES", await AsNobody(service.SocketPath));
        // Even if someone loosens the mode, the service checks the peer's credentials itself.
        File.SetUnixFileMode(service.SocketPath, (UnixFileMode)0b110_110_110);
        Assert.StartsWith("HTTP/1.1 403", await AsNobody(service.SocketPath));
        await using var client = service.SocketClient();
        var rejected = await client.GetAuditLogAsync(new AuditQuery(Kind: AuditKinds.SocketRejected), default);
        Assert.Contains("uid 65534", Assert.Single(rejected).Actor);
    }

    /// <summary>Connects to the socket as nobody (setpriv) and sends one request; "EACCES" when the kernel refuses the connect.</summary>
    private static async Task<string> AsNobody(string socketPath)
    {
        const string script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1])
            except PermissionError:
                print("EACCES"); sys.exit(0)
            s.sendall(b"GET /api/info HTTP/1.1\r\nHost: kai\r\nAuthorization: Bearer nope\r\nConnection: close\r\n\r\n")
            print(s.recv(65536).decode().split("\r\n")[0])
            """;
        var start = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, socketPath }) start.ArgumentList.Add(a);
        var (code, stdout, stderr) = await RunProcess(start);
        Assert.True(code == 0, stderr);
        return stdout.Trim();
    }

    private static async Task<(int Code, string Stderr)> RunToEnd(ProcessStartInfo start)
    {
        var (code, _, stderr) = await RunProcess(start);
        return (code, stderr);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunProcess(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>The real engine behind a real `kai serve`: streaming, crash recovery with kill -9, graceful stop with a command running.</summary>
public sealed class KaiServeEngineTests
{
    private static async Task<ServiceSessionHost> ConnectedAsync(KaiServeProcess service)
    {
        var client = service.SocketClient();
        await client.ConnectAsync(default);
        return client;
    }

    [Fact]
    public async Task Kill_9_mid_command_then_restart_keeps_acknowledged_rows_marks_the_running_one_and_closes_approvals()
    {
        await using var service = new KaiServeProcess(approvalsYaml: "rules:\n  - id: hold\n    pattern: '^hold-me'\n");
        service.Environment["KAI_SANDBOX"] = "off";
        await service.StartAsync();
        var workspace = service.Directory_.Combine("ws");
        Directory.CreateDirectory(workspace);
        string approvalId;
        await using (var client = await ConnectedAsync(service))
        {
            await client.StartSessionAsync(new StartSessionRequest("crash", workspace, Sandbox: Kai.Native.Sandbox.SandboxKind.None), default);
            for (var i = 0; i < 5; i++)
                Assert.Equal($"ack-{i}\n", (await client.ExecAsync(new ExecRequest("crash", $"echo ack-{i}"), null, default)).Output);
            approvalId = (await client.ExecAsync(new ExecRequest("crash", "hold-me now"), null, default)).ApprovalId!;
            var started = new TaskCompletionSource();
            var inFlight = client.ExecAsync(new ExecRequest("crash", "echo going; sleep 60", Timeout: TimeSpan.FromSeconds(120)),
                new ServiceApiTests.SyncProgress(_ => started.TrySetResult()), default);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // The engine records a started command through its batched writer; wait until the row is visible
            // (a kill within that window leaves only the service's flag, which the audit check below covers).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(await client.GetTranscriptAsync("crash", default)).Commands.Any(c => c.Command == "echo going; sleep 60") && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            await service.KillAsync();
            var lost = await Assert.ThrowsAsync<KaiException>(() => inFlight);
            Assert.Equal("ServiceConnectionLost", lost.ErrorId);
        }

        Assert.Equal("ok", KaiDatabase.IntegrityCheck(Path.Combine(service.DataDirectory, "kai.db")));
        await service.StartAsync();
        await using var after = await ConnectedAsync(service);
        var commands = (await after.GetTranscriptAsync("crash", default)).Commands;
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"echo ack-{i}"), commands.Where(c => c.Command.StartsWith("echo ack-")).Select(c => c.Command));
        Assert.All(commands.Where(c => c.Command.StartsWith("echo ack-")), c => Assert.False(c.Interrupted));
        Assert.True(Assert.Single(commands, c => c.Command == "echo going; sleep 60").Interrupted);
        Assert.Contains(await after.GetAuditLogAsync(new AuditQuery(Kind: AuditKinds.CommandInterrupted), default), e => e.Target == "echo going; sleep 60");
        Assert.Equal(ApprovalStatus.SessionClosed, (await after.GetApprovalAsync(approvalId, default)).Status);
        // The session works again after the crash.
        Assert.Equal("again\n", (await after.ExecAsync(new ExecRequest("crash", "echo again"), null, default)).Output);
        await after.RemoveSessionAsync("crash", default);
    }

    [Fact]
    public async Task SIGTERM_with_a_command_running_cancels_it_gracefully_and_exits_0()
    {
        await using var service = new KaiServeProcess();
        service.Environment["KAI_SANDBOX"] = "off";
        await service.StartAsync();
        var workspace = service.Directory_.Combine("ws");
        Directory.CreateDirectory(workspace);
        await using var client = await ConnectedAsync(service);
        await client.StartSessionAsync(new StartSessionRequest("term", workspace, Sandbox: Kai.Native.Sandbox.SandboxKind.None), default);
        var started = new TaskCompletionSource();
        var running = client.ExecAsync(new ExecRequest("term", "echo up; sleep 60", Timeout: TimeSpan.FromSeconds(120)),
            new ServiceApiTests.SyncProgress(_ => started.TrySetResult()), default);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stopping = service.StopAsync();
        var result = await running.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Cancelled);
        Assert.NotEqual(CancelStep.None, result.CancelledBy);
        Assert.Equal(0, await stopping);
        await service.Notify.WaitForAsync("STOPPING=1", TimeSpan.FromSeconds(5));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(service.DataDirectory, ".responding")));
    }

    [Fact]
    public async Task Fresh_and_background_commands_and_process_control_work_through_the_service()
    {
        await using var service = new KaiServeProcess();
        service.Environment["KAI_SANDBOX"] = "off";
        await service.StartAsync();
        var workspace = service.Directory_.Combine("ws");
        Directory.CreateDirectory(workspace);
        await using var client = await ConnectedAsync(service);
        await client.StartSessionAsync(new StartSessionRequest("bg", workspace, Sandbox: Kai.Native.Sandbox.SandboxKind.None), default);
        await client.ExecAsync(new ExecRequest("bg", "export KEPT=yes"), null, default);
        // The engine redacts with the service's secrets (the env file's): output, transcript and audit.
        var leaked = await client.ExecAsync(new ExecRequest("bg", "echo " + ServiceTestEnvironment.BotToken), null, default);
        Assert.DoesNotContain(ServiceTestEnvironment.BotToken, leaked.Output);
        Assert.Contains(Redactor.Replacement, leaked.Output);
        var stored = await client.GetTranscriptAsync("bg", default);
        Assert.DoesNotContain(ServiceTestEnvironment.BotToken, stored.Screen + string.Join("\n", stored.Commands.Select(c => c.Command + c.OutputTail)));
        Assert.Equal("unset\n", (await client.ExecAsync(new ExecRequest("bg", "echo ${KEPT:-unset}", ExecMode.Fresh), null, default)).Output);

        var started = await client.ExecAsync(new ExecRequest("bg", "echo from-background; sleep 0.5; exit 3", ExecMode.Background), null, default);
        var id = Assert.IsType<string>(started.BackgroundProcessId);
        Assert.Contains(await client.GetProcessesAsync("bg", default), p => p.Id == id);
        var done = await client.WaitProcessAsync(id, TimeSpan.FromSeconds(30), default);
        Assert.Equal(BackgroundState.Exited, done.State);
        Assert.Equal(3, done.ExitCode);
        Assert.Equal("from-background\n", (await client.ReceiveProcessAsync(id, default)).Output);

        var sleeper = (await client.ExecAsync(new ExecRequest("bg", "sleep 60", ExecMode.Background), null, default)).BackgroundProcessId!;
        Assert.Equal(BackgroundState.Killed, (await client.StopProcessAsync(sleeper, default)).State);
        var missing = await Assert.ThrowsAsync<KaiException>(() => client.ReceiveProcessAsync("no-such-process", default));
        Assert.Equal("ProcessNotFound", missing.ErrorId);
        Assert.Contains(await client.GetAuditLogAsync(new AuditQuery(Kind: AuditKinds.ProcessKill), default), e => e.Message.Contains(sleeper));
        await client.RemoveSessionAsync("bg", default);
    }
}
