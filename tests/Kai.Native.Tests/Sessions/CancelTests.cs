using Kai.Native.Sessions;
using Xunit;

namespace Kai.Native.Tests.Sessions;

public sealed class CancelTests
{
    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task Timeout_interrupts_the_command_and_keeps_the_session_state(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /tmp; export KEPT=yes");
        var result = await host.RunAsync("s", "echo started; sleep 30; echo never", TimeSpan.FromMilliseconds(300));
        Assert.True(result.TimedOut, result.Describe());
        Assert.False(result.Cancelled);
        Assert.Equal(CancelStep.Interrupt, result.CancelledBy);
        Assert.Equal("started\n", result.Output);
        Assert.Equal(130, result.ExitCode); // 128 + SIGINT, reported by the shell itself
        var after = await host.RunAsync("s", "echo \"$PWD $KEPT\"");
        Assert.Equal("/tmp yes\n", after.Output);
        Assert.False(after.ShellRestarted); // only the command was interrupted, not the shell
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task A_command_that_ignores_SIGINT_gets_SIGTERM(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        var result = await host.RunAsync("s", "trap '' INT; sleep 30", TimeSpan.FromMilliseconds(300));
        Assert.True(result.TimedOut, result.Describe());
        Assert.Equal(CancelStep.Terminate, result.CancelledBy);
        Assert.Equal(143, result.ExitCode);
        Assert.Equal("ok\n", (await host.RunAsync("s", "echo ok")).Output);
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task A_command_that_ignores_SIGINT_and_SIGTERM_gets_SIGKILL(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        var result = await host.RunAsync("s", "trap '' INT TERM; sleep 30", TimeSpan.FromMilliseconds(300));
        Assert.Equal(CancelStep.Kill, result.CancelledBy);
        Assert.Equal(137, result.ExitCode);
        var after = await host.RunAsync("s", "echo ok");
        Assert.Equal("ok\n", after.Output);
        Assert.False(after.ShellRestarted);
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task A_busy_loop_of_builtins_is_interrupted_by_the_shells_trap(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        var result = await host.RunAsync("s", "export DURING=1; for i in 1 2; do while :; do :; done; done; echo never", TimeSpan.FromMilliseconds(300));
        Assert.True(result.TimedOut, result.Describe());
        Assert.Equal(CancelStep.Interrupt, result.CancelledBy);
        Assert.Equal(130, result.ExitCode);
        Assert.Equal("", result.Output);
        var after = await host.RunAsync("s", "echo \"$DURING\"");
        Assert.False(after.ShellRestarted);
        Assert.Equal("1\n", after.Output);
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task A_busy_loop_that_ignores_SIGINT_resets_the_shell_and_only_that_command_loses_state(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /usr; export BEFORE=1");
        var result = await host.RunAsync("s", "export DURING=1; trap '' INT; while :; do :; done", TimeSpan.FromMilliseconds(300));
        Assert.True(result.TimedOut, result.Describe());
        Assert.Equal(CancelStep.ShellReset, result.CancelledBy);
        Assert.NotNull(result.Notice);
        var after = await host.RunAsync("s", "echo \"$PWD ${BEFORE-} ${DURING-none}\"");
        Assert.True(after.ShellRestarted);
        Assert.Equal("/usr 1 none\n", after.Output);
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task Cancelling_the_token_runs_the_same_escalation(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var result = await host.RunAsync("s", "sleep 30 | cat; echo after-pipe", cancellationToken: cts.Token);
        Assert.True(result.Cancelled);
        Assert.False(result.TimedOut);
        Assert.Equal(CancelStep.Interrupt, result.CancelledBy);
        Assert.Equal("ok\n", (await host.RunAsync("s", "echo ok")).Output);
    }

    [Fact]
    public async Task Cancel_spares_background_jobs_started_by_earlier_commands()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        await host.RunAsync("s", "sleep 30 >/dev/null 2>&1 & echo $! > \"$TMPDIR/bg.pid\"");
        await Task.Delay(50); // a different clock tick than the next command's start
        var result = await host.RunAsync("s", "trap '' INT; sleep 30", TimeSpan.FromMilliseconds(300));
        Assert.Equal(CancelStep.Terminate, result.CancelledBy);
        var alive = await host.RunAsync("s", "kill -0 \"$(cat \"$TMPDIR/bg.pid\")\" && echo alive; kill \"$(cat \"$TMPDIR/bg.pid\")\"");
        Assert.Equal("alive\n", alive.Output);
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task OnTimeout_Background_moves_the_command_to_the_background(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /tmp; export KEPT=1");
        var result = await host.RunAsync(new ExecRequest("s", "echo first; sleep 1; echo second; exit 4", Timeout: TimeSpan.FromMilliseconds(300), OnTimeout: TimeoutAction.Background));
        Assert.True(result.TimedOut, result.Describe());
        Assert.False(result.Cancelled);
        Assert.Null(result.ExitCode);
        Assert.NotNull(result.BackgroundProcessId);
        Assert.Equal("first\n", result.Output);
        // The session goes on at once, in a new shell with the state restored.
        var meanwhile = await host.RunAsync("s", "echo \"$PWD $KEPT\"");
        Assert.Equal("/tmp 1\n", meanwhile.Output);
        var info = await host.Host.WaitProcessAsync(result.BackgroundProcessId!, TimeSpan.FromSeconds(20), default);
        Assert.Equal(BackgroundState.Exited, info.State);
        Assert.Equal(4, info.ExitCode);
        var output = await host.Host.ReceiveProcessAsync(result.BackgroundProcessId!, default);
        Assert.Equal("first\nsecond\n", output.Output);
    }
}
