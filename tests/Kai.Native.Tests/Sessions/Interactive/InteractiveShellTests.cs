using Xunit;
using Kai.Native.Sessions;
using Kai.Native.Sessions.Interactive;

namespace Kai.Native.Tests.Sessions.Interactive;

/// <summary>The loop shared by Enter-KaiSession and `kai shell`, against a scripted host.</summary>
public sealed class InteractiveShellTests
{
    [Fact]
    public async Task Prompt_follows_the_working_directory_and_exit_leaves()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session(cwd: "/ws"))
        {
            Exec = (r, _, _) => Task.FromResult(ScriptedSessionHost.Result(r, cwd: r.Command == "cd /tmp" ? "/tmp" : "/tmp", output: r.Command == "pwd" ? "/tmp\n" : "")),
        };
        var terminal = new RecordingTerminal("cd /tmp", "pwd", "exit", "never read");

        var code = await new InteractiveShell(host, "build", terminal).RunAsync(CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Equal(new[] { "build:/ws$ ", "build:/tmp$ ", "build:/tmp$ " }, terminal.Prompts);
        Assert.Equal(new[] { "cd /tmp", "pwd" }, host.Requests.Select(r => r.Command));
        Assert.Contains("/tmp\n", terminal.Events);
    }

    [Theory]
    [InlineData("exit", 3)]
    [InlineData("  exit 7 ", 7)]
    [InlineData("logout", 3)]
    [InlineData("exit -1", 255)]
    [InlineData("exit 99999999999", 255)]
    public async Task Exit_returns_the_last_status_or_the_given_one(string exitLine, int expected)
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session())
        {
            Exec = (r, _, _) => Task.FromResult(ScriptedSessionHost.Result(r, exitCode: 3)),
        };
        var code = await new InteractiveShell(host, "build", new RecordingTerminal("false", exitLine)).RunAsync(CancellationToken.None);
        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task Exit_inside_a_longer_line_is_a_command_and_blank_lines_run_nothing()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session());
        await new InteractiveShell(host, "build", new RecordingTerminal("   ", "exit_code=1; echo $exit_code", "exit")).RunAsync(CancellationToken.None);
        Assert.Equal(new[] { "exit_code=1; echo $exit_code" }, host.Requests.Select(r => r.Command));
    }

    [Fact]
    public async Task End_of_input_leaves_like_exit()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session());
        var code = await new InteractiveShell(host, "build", new RecordingTerminal("true")).RunAsync(CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Single(host.Requests);
    }

    [Fact]
    public async Task Streamed_output_is_written_as_it_arrives_and_ends_on_a_fresh_line()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session())
        {
            Exec = (r, progress, _) =>
            {
                progress!.Report(new OutputChunk(OutputStream.StandardOutput, "one\ntw"));
                progress.Report(new OutputChunk(OutputStream.StandardError, "oops\n"));
                progress.Report(new OutputChunk(OutputStream.StandardOutput, "o"));
                return Task.FromResult(ScriptedSessionHost.Result(r, output: "one\ntwo", error: "oops\n"));
            },
        };
        var terminal = new RecordingTerminal("x", "exit");
        await new InteractiveShell(host, "build", terminal).RunAsync(CancellationToken.None);

        // Written once each, in arrival order (not again from the result), then a newline for "two".
        Assert.Equal("build:/ws$ one\ntw<err>oops\n</err>o\nbuild:/ws$ ", terminal.Screen);
    }

    [Fact]
    public async Task A_host_that_does_not_stream_still_shows_the_output()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session())
        {
            Exec = (r, _, _) => Task.FromResult(ScriptedSessionHost.Result(r, output: "hello", error: "warn\n")),
        };
        var terminal = new RecordingTerminal("x", "exit");
        await new InteractiveShell(host, "build", terminal).RunAsync(CancellationToken.None);
        Assert.Equal("build:/ws$ hello<err>warn\n</err>build:/ws$ ", terminal.Screen);
    }

    [Fact]
    public async Task Status_line_says_how_a_command_ended()
    {
        var results = new Queue<Func<ExecRequest, ExecResult>>(new Func<ExecRequest, ExecResult>[]
        {
            r => ScriptedSessionHost.Result(r, exitCode: 2),
            r => ScriptedSessionHost.Result(r, exitCode: null, timedOut: true, cancelled: true, step: CancelStep.Terminate),
            r => ScriptedSessionHost.Result(r, restarted: true),
            r => ScriptedSessionHost.Result(r),
        });
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session()) { Exec = (r, _, _) => Task.FromResult(results.Dequeue()(r)) };
        var terminal = new RecordingTerminal("a", "b", "c", "d", "exit");
        await new InteractiveShell(host, "build", terminal).RunAsync(CancellationToken.None);

        var statuses = terminal.Events.Where(e => e.StartsWith("<status>", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, statuses.Count); // the plain success says nothing
        Assert.Contains("exit 2", statuses[0]);
        Assert.Contains("timed out", statuses[1]);
        Assert.Contains("SIGTERM", statuses[1]);
        Assert.Contains("shell restarted", statuses[2]);
    }

    [Fact]
    public async Task Ctrl_C_is_armed_for_each_command_and_cancels_only_that_command()
    {
        RecordingTerminal? terminal = null;
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session());
        host.Exec = async (r, _, token) =>
        {
            if (r.Command != "sleep 60") return ScriptedSessionHost.Result(r);
            Assert.NotNull(terminal!.Armed);
            terminal.Armed!.Cancel(); // the user presses Ctrl+C
            await Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default);
            return ScriptedSessionHost.Result(r, exitCode: 130, cancelled: true, step: CancelStep.Interrupt);
        };
        terminal = new RecordingTerminal("sleep 60", "echo after", "exit");

        var code = await new InteractiveShell(host, "build", terminal).RunAsync(CancellationToken.None);

        Assert.Equal(2, terminal.ArmCount);
        Assert.Null(terminal.Armed); // disarmed after each command
        Assert.Equal(new[] { "sleep 60", "echo after" }, host.Requests.Select(r => r.Command));
        Assert.Contains("<status>[cancelled (SIGINT)]</status>\n", terminal.Events); // not also "exit 130"
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task Session_without_a_live_shell_shows_its_restored_screen_first()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session(shellPid: null), screen: "$ make\nbuilt 3 targets");
        var terminal = new RecordingTerminal("exit");
        await new InteractiveShell(host, "build", terminal).RunAsync(CancellationToken.None);

        var screen = terminal.Screen;
        Assert.Contains("restored", screen);
        Assert.Contains("$ make\nbuilt 3 targets\n", screen);
        Assert.True(screen.IndexOf("built 3 targets", StringComparison.Ordinal) < screen.IndexOf("build:/ws$ ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_live_session_starts_at_the_prompt()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session(shellPid: 7), screen: "old screen");
        var terminal = new RecordingTerminal("exit");
        await new InteractiveShell(host, "build", terminal).RunAsync(CancellationToken.None);
        Assert.Equal("build:/ws$ ", terminal.Screen);
    }

    [Fact]
    public async Task Unknown_session_is_SessionNotFound()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session("build"));
        var error = await Assert.ThrowsAsync<KaiException>(() => new InteractiveShell(host, "nope", new RecordingTerminal("exit")).RunAsync(CancellationToken.None));
        Assert.Equal("SessionNotFound", error.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, error.Kind);
        Assert.Equal("nope", error.Target);
    }

    [Fact]
    public async Task An_engine_refusal_is_shown_and_the_loop_goes_on()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session());
        host.Exec = (r, _, _) => r.Command == "bad"
            ? throw new KaiException("WorkingDirectoryNotFound", KaiErrorKind.InvalidArgument, "No such directory: /nope", "/nope")
            : Task.FromResult(ScriptedSessionHost.Result(r, output: "fine\n"));
        var terminal = new RecordingTerminal("bad", "good", "exit");
        await new InteractiveShell(host, "build", terminal).RunAsync(CancellationToken.None);
        Assert.Contains(terminal.Events, e => e.Contains("No such directory: /nope", StringComparison.Ordinal));
        Assert.Contains("fine\n", terminal.Events);
    }

    [Fact]
    public async Task Options_reach_every_request()
    {
        var host = new ScriptedSessionHost(ScriptedSessionHost.Session());
        var options = new InteractiveOptions(TimeSpan.FromSeconds(5), ExecMode.Fresh);
        await new InteractiveShell(host, "build", new RecordingTerminal("a", "exit"), options).RunAsync(CancellationToken.None);
        var request = Assert.Single(host.Requests);
        Assert.Equal(ExecMode.Fresh, request.Mode);
        Assert.Equal(TimeSpan.FromSeconds(5), request.Timeout);
        Assert.Null(request.StandardInput);
    }

    [Theory]
    [InlineData(0, false, false, null, 0)]
    [InlineData(null, true, true, null, 124)]
    [InlineData(null, false, true, null, 130)]
    [InlineData(null, false, false, "network", 126)]
    [InlineData(5, false, false, null, 5)]
    [InlineData(130, true, true, null, 124)]
    public void Exit_codes_follow_shell_conventions(int? exitCode, bool timedOut, bool cancelled, string? blockedBy, int expected)
    {
        var result = new ExecResult("s", "c", "", "", exitCode, timedOut, cancelled, CancelStep.None, false, false, TimeSpan.Zero, "/", BlockedBy: blockedBy);
        Assert.Equal(expected, InteractiveShell.ExitCodeOf(result));
    }

    [Fact]
    public void Problems_only_detail_leaves_out_exit_codes_and_restarts()
    {
        var result = new ExecResult("s", "c", "", "", 3, false, false, CancelStep.None, true, true, TimeSpan.Zero, "/");
        Assert.Equal("output truncated at the cap", ExecResultText.Describe(result, ExecResultDetail.Problems));
        Assert.Equal("exit 3; output truncated at the cap; shell restarted (working directory and exported variables restored)", ExecResultText.Describe(result));
    }
}
