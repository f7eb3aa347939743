using Kai.Native.Sessions;
using Xunit;

namespace Kai.Native.Tests.Sessions;

public sealed class SelfHealTests
{
    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task Exit_is_healed_with_cwd_and_exports_restored(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        var value = "it's \"quoted\" $x\nline2";
        await host.RunAsync(new ExecRequest("s", "cd /usr/share; export MULTI=\"$V\"; export PATH=\"$PATH:/opt/extra\"; NOTEXPORTED=1",
            Environment: new Dictionary<string, string> { ["V"] = value }));
        var exit = await host.RunAsync("s", "echo bye; exit 3");
        Assert.Equal(3, exit.ExitCode);
        Assert.Equal("bye\n", exit.Output);
        Assert.NotNull(exit.Notice);
        var after = await host.RunAsync("s", "printf '%s|%s|%s|%s' \"$PWD\" \"$MULTI\" \"${NOTEXPORTED-unset}\" \"$PATH\"");
        Assert.True(after.ShellRestarted);
        var parts = after.Output.Split('|');
        Assert.Equal("/usr/share", parts[0]);
        Assert.Equal(value, parts[1]);
        Assert.Equal("unset", parts[2]);
        Assert.EndsWith(":/opt/extra", parts[3]);
        var next = await host.RunAsync("s", "echo steady");
        Assert.False(next.ShellRestarted);
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task A_crashed_shell_is_replaced(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /var; export A=1");
        var crash = await host.RunAsync("s", "kill -9 $$");
        Assert.NotEqual(0, crash.ExitCode);
        var after = await host.RunAsync("s", "echo \"$PWD $A\"");
        Assert.True(after.ShellRestarted);
        Assert.Equal("/var 1\n", after.Output);
    }

    [Fact]
    public async Task A_shell_killed_from_outside_is_replaced_on_the_next_command()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /etc; export B=2");
        var pid = (await host.Host.GetSessionsAsync(default)).Single().ShellProcessId!.Value;
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        await Task.Delay(100);
        var after = await host.RunAsync("s", "echo \"$PWD $B\"");
        Assert.True(after.ShellRestarted);
        Assert.Equal("/etc 2\n", after.Output);
    }

    [Fact]
    public async Task Variables_holding_secrets_are_not_persisted_or_restored()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", $"export PLAIN=ok TOKENISH=sk-abcdefghijklmnopqrstuvwxyz LITERAL={SessionTestHost.KnownSecret}");
        await host.RunAsync("s", "exit");
        var after = await host.RunAsync("s", "echo \"$PLAIN|${TOKENISH-gone}|${LITERAL-gone}\"");
        Assert.Equal("ok|gone|gone\n", after.Output);
    }

    [Fact]
    public async Task State_is_restored_after_a_new_host_on_the_same_data()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /usr/lib; export RESTORED='yes it is'");
        await host.RestartAsync();
        var after = await host.RunAsync("s", "echo \"$PWD|$RESTORED\"");
        Assert.True(after.ShellRestarted);
        Assert.Equal("/usr/lib|yes it is\n", after.Output);
    }
}
