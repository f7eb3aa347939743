using Kai.Native.Sessions;
using Xunit;

namespace Kai.Native.Tests.Sessions;

/// <summary>Sessions under the real bubblewrap backend and default policy.</summary>
public sealed class SandboxedSessionTests
{
    [Fact]
    public async Task The_default_policy_hides_kai_data_and_keeps_the_session_writable()
    {
        if (!Bubblewrap.IsUsable) return;
        await using var host = SessionTestHost.Create(sandboxed: true);
        await host.StartAsync("s");
        var result = await host.RunAsync("s",
            "echo data > \"$HOME/mine\" && cat \"$HOME/mine\"; echo tmp > \"$TMPDIR/t\" && cat \"$TMPDIR/t\"; " +
            $"ls {host.DataDirectory}/kai.db 2>&1 | head -1; env | grep -c '^KAI_' ; git --version >/dev/null && echo git-ok");
        Assert.StartsWith("data\ntmp\n", result.Output);
        Assert.Contains("No such file", result.Output); // kai.db is hidden
        Assert.Contains("\n0\n", result.Output);
        Assert.EndsWith("git-ok\n", result.Output);
    }

    [Fact]
    public async Task A_blocked_command_names_the_rule_and_an_approved_rerun_lifts_exactly_that_rule()
    {
        if (!Bubblewrap.IsUsable) return;
        await using var host = SessionTestHost.Create(sandboxed: true);
        await host.StartAsync("s");
        var write = await host.RunAsync("s", "touch /usr/kai-sandbox-probe");
        Assert.NotEqual(0, write.ExitCode);
        Assert.Equal("write-allow:/usr", write.BlockedBy);
        const string probe = "python3 -c \"import socket; print(len(socket.if_nameindex()) > 1)\"; " +
                             "python3 -c \"import socket; socket.create_connection(('192.0.2.1', 9), timeout=1)\"";
        var offline = await host.RunAsync("s", probe);
        Assert.StartsWith("False\n", offline.Output);
        Assert.Equal("network", offline.BlockedBy);
        var relaxed = await host.RunAsync(new ExecRequest("s", "python3 -c \"import socket; print(len(socket.if_nameindex()) > 1)\"", RelaxRule: "network"));
        Assert.Equal("True\n", relaxed.Output); // the host's interfaces: the network namespace was not unshared
        var error = await Assert.ThrowsAsync<KaiException>(() => host.RunAsync(new ExecRequest("s", "true", RelaxRule: "read-deny:/nope")));
        Assert.Equal("SandboxRuleNotFound", error.ErrorId);
        // The session itself is still offline.
        Assert.StartsWith("False\n", (await host.RunAsync("s", probe)).Output);
    }

    [Fact]
    public async Task Auto_without_a_usable_sandbox_fails_closed_and_leaves_nothing_behind()
    {
        await using var host = SessionTestHost.Create(configure: o => o with
        {
            DefaultSandbox = Kai.Native.Sandbox.SandboxKind.Auto,
            SandboxResolver = kind => throw new KaiException("SandboxUnavailable", KaiErrorKind.ResourceUnavailable, "no sandbox here", kind.ToString()),
        });
        var error = await Assert.ThrowsAsync<KaiException>(() => host.StartAsync("s"));
        Assert.Equal("SandboxUnavailable", error.ErrorId);
        Assert.Empty(await host.Host.GetSessionsAsync(default));
        Assert.False(Directory.Exists(Path.Combine(host.DataDirectory, "sessions", "s")));
    }
}

public sealed class SandboxedShellBehaviourTests
{
    [Fact]
    public async Task Stdin_environment_and_directory_per_call_work_inside_the_sandbox()
    {
        if (!Bubblewrap.IsUsable) return;
        await using var host = SessionTestHost.Create(sandboxed: true);
        await host.StartAsync("s");
        var result = await host.RunAsync(new ExecRequest("s", "printf '%s|' \"$V\"; pwd; wc -c",
            WorkingDirectory: "/usr", Environment: new Dictionary<string, string> { ["V"] = "a 'b' $c" }, StandardInput: "12345"u8.ToArray()));
        Assert.Equal("a 'b' $c|/usr\n5\n", result.Output);
        var empty = await host.RunAsync("s", "cat; echo \"[$?] $PWD\"");
        Assert.EndsWith("/home\n", empty.Output);
        Assert.StartsWith("[0] ", empty.Output);
    }

    [Fact]
    public async Task Auto_with_KAI_SANDBOX_off_runs_without_a_sandbox_only_because_it_was_chosen()
    {
        await using var host = SessionTestHost.Create(configure: o => o with
        {
            DefaultSandbox = Kai.Native.Sandbox.SandboxKind.Auto,
            SandboxResolver = kind => Kai.Native.Sandbox.SandboxBackends.Resolve(kind, "off"),
        });
        var info = await host.StartAsync("s");
        Assert.Equal("none", info.Sandbox);
        Assert.Equal("ok\n", (await host.RunAsync("s", "echo ok")).Output);
    }
}
