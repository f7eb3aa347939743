using Kai.Native.Sessions;
using Xunit;

namespace Kai.Native.Tests.Sessions;

public sealed class FreshAndBackgroundTests
{
    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task Fresh_runs_in_a_new_shell_whose_state_is_discarded(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        await host.RunAsync("s", "cd /usr; export SESSION_ONLY=1");
        var fresh = await host.RunAsync(new ExecRequest("s", "echo \"$PWD ${SESSION_ONLY-unset} $V\"; cd /; export LEAK=1; echo $$", ExecMode.Fresh,
            Environment: new Dictionary<string, string> { ["V"] = "it's v" }));
        Assert.Equal(0, fresh.ExitCode);
        Assert.StartsWith("/usr unset it's v\n", fresh.Output); // starts where the session is, with none of its exports
        var session = await host.RunAsync("s", "echo \"$PWD ${LEAK-unset} $$\"");
        Assert.StartsWith("/usr unset ", session.Output);
        var input = await host.RunAsync(new ExecRequest("s", "tr a-z A-Z", ExecMode.Fresh, StandardInput: "fresh input"u8.ToArray()));
        Assert.Equal("FRESH INPUT", input.Output);
        var empty = await host.RunAsync(new ExecRequest("s", "cat; echo \"[$?]\"", ExecMode.Fresh));
        Assert.Equal("[0]\n", empty.Output);
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task Fresh_commands_are_cancelled_with_the_same_escalation(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        var result = await host.RunAsync(new ExecRequest("s", "trap '' INT; sleep 30", ExecMode.Fresh, Timeout: TimeSpan.FromMilliseconds(300)));
        Assert.True(result.TimedOut, result.Describe());
        Assert.Equal(CancelStep.Terminate, result.CancelledBy);
    }

    [Fact]
    public async Task Sandboxed_fresh_shells_see_only_their_own_processes()
    {
        if (!Bubblewrap.IsUsable) return;
        await using var host = SessionTestHost.Create(sandboxed: true);
        await host.StartAsync("s");
        var result = await host.RunAsync(new ExecRequest("s", "ls /proc | grep -c '^[0-9]'", ExecMode.Fresh));
        Assert.InRange(int.Parse(result.Output.Trim()), 1, 8); // bwrap's init, the shell, ls, grep — not the host's
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task Background_processes_can_be_listed_received_and_waited_for(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        var started = await host.RunAsync(new ExecRequest("s", "echo start; sleep 0.4; echo done >&2; exit 5", ExecMode.Background));
        Assert.NotNull(started.BackgroundProcessId);
        Assert.Null(started.ExitCode);
        var id = started.BackgroundProcessId!;
        var listed = Assert.Single(await host.Host.GetProcessesAsync("s", default));
        Assert.Equal(id, listed.Id);
        Assert.Equal(BackgroundState.Running, listed.State);
        Assert.NotNull(listed.ProcessId);
        // The session is free meanwhile.
        Assert.Equal("free\n", (await host.RunAsync("s", "echo free")).Output);
        var ended = await host.Host.WaitProcessAsync(id, TimeSpan.FromSeconds(20), default);
        Assert.Equal(BackgroundState.Exited, ended.State);
        Assert.Equal(5, ended.ExitCode);
        Assert.NotNull(ended.Ended);
        var output = await host.Host.ReceiveProcessAsync(id, default);
        Assert.Equal("start\n", output.Output);
        Assert.Equal("done\n", output.Error);
        Assert.Equal(BackgroundState.Exited, output.State);
        var transcript = await host.Host.GetTranscriptAsync("s", default);
        Assert.Contains($"background process {id}", transcript.Screen);
        Assert.Contains(transcript.Commands, c => c.Command.StartsWith("echo start") && c.ExitCode == 5);
    }

    [Theory]
    [MemberData(nameof(Bubblewrap.Modes), MemberType = typeof(Bubblewrap))]
    public async Task Stopping_a_background_process_escalates_until_it_ends(bool sandboxed)
    {
        await using var host = SessionTestHost.Create(sandboxed);
        await host.StartAsync("s");
        var started = await host.RunAsync(new ExecRequest("s", "trap '' INT TERM; echo up; sleep 60", ExecMode.Background));
        var id = started.BackgroundProcessId!;
        await DurableTests.WaitUntilAsync(() => host.Host.ReceiveProcessAsync(id, default).Result.Output == "up\n");
        var timeout = await host.Host.WaitProcessAsync(id, TimeSpan.FromMilliseconds(100), default);
        Assert.Equal(BackgroundState.Running, timeout.State);
        var stopped = await host.Host.StopProcessAsync(id, default);
        Assert.Equal(BackgroundState.Killed, stopped.State);
        Assert.Null(stopped.ProcessId);
    }

    [Fact]
    public async Task Background_output_is_bounded_however_much_is_printed()
    {
        await using var host = SessionTestHost.Create();
        await host.StartAsync("s");
        var started = await host.RunAsync(new ExecRequest("s", "echo first; head -c 200000000 /dev/zero | tr '\\0' y; echo; echo last", ExecMode.Background));
        var info = await host.Host.WaitProcessAsync(started.BackgroundProcessId!, TimeSpan.FromSeconds(60), default);
        Assert.Equal(0, info.ExitCode);
        var output = await host.Host.ReceiveProcessAsync(started.BackgroundProcessId!, default);
        Assert.True(output.Truncated);
        Assert.StartsWith("first\nyyy", output.Output);
        Assert.EndsWith("yyy\nlast\n", output.Output);
        Assert.InRange(output.Output.Length, 1000, 15_000);
    }

    [Fact]
    public async Task Unknown_processes_and_sessions_are_clear_errors()
    {
        await using var host = SessionTestHost.Create();
        var missing = await Assert.ThrowsAsync<KaiException>(() => host.Host.ReceiveProcessAsync("nope", default));
        Assert.Equal("ProcessNotFound", missing.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, missing.Kind);
        var session = await Assert.ThrowsAsync<KaiException>(() => host.Host.GetProcessesAsync("ghost", default));
        Assert.Equal("SessionNotFound", session.ErrorId);
        Assert.Empty(await host.Host.GetProcessesAsync(null, default));
    }
}
