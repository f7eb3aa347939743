using System.Diagnostics;
using Kai.Native.Service;
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
        var audit = new AuditLog(new KaiDatabase(Path.Combine(service.DataDirectory, "kai.db")), SecretRedactor.None);
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
