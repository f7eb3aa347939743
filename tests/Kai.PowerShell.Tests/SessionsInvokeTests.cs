using System.Management.Automation;
using PS = System.Management.Automation.PowerShell;

namespace Kai.PowerShell.Tests;

/// <summary>Invoke-KaiShell in a hosted engine: input, environment, modes, timeouts, cancellation, streaming, views.</summary>
[Collection(SessionsCollection.Name)]
public sealed class SessionsInvokeTests : IClassFixture<SessionsFixture>
{
    private readonly SessionsFixture _fixture;
    private readonly Hosting.KaiShellHost _shell;

    public SessionsInvokeTests(SessionsFixture fixture)
    {
        _fixture = fixture;
        _shell = fixture.Shell;
        if (_shell.Run("Get-KaiSession -Name inv").Output.Count == 0) fixture.StartSession("inv");
    }

    [Fact]
    public void Result_has_output_error_exit_code_and_working_directory()
    {
        var result = _fixture.Invoke("inv", "cd /tmp; echo out; echo err >&2; (exit 3)");
        Assert.Equal("out\n", result.Text("Output"));
        Assert.Equal("err\n", result.Text("Error"));
        Assert.Equal(3, result.Get<int>("ExitCode"));
        Assert.Equal("/tmp", result.Text("WorkingDirectory"));
        Assert.False(result.Get<bool>("TimedOut"));
        Assert.False(result.Get<bool>("Cancelled"));
        Assert.False(result.Get<bool>("Truncated"));
        Assert.Equal("inv", result.Text("Session"));
        Assert.Equal("Kai.Native.Sessions.ExecResult", result.BaseObject.GetType().FullName);
    }

    [Fact]
    public void Environment_values_with_quotes_and_spaces_arrive_intact()
    {
        var result = _shell.Run("""
            $values = @{ A = "it's a `"quoted`" value  with  spaces"; B = '$HOME `whoami` $(id) \n'; C = $null; D = 42 }
            (Invoke-KaiShell -Session inv -Environment $values -Command 'printf "[%s]" "$A" "$B" "$C" "$D"').Output
            (Invoke-KaiShell -Session inv -Command 'printf "[%s]" "${A-unset}"').Output
            """);
        Assert.Empty(result.Errors);
        Assert.Equal("[it's a \"quoted\" value  with  spaces][$HOME `whoami` $(id) \\n][][42]", result.Output[0].ToString());
        Assert.Equal("[unset]", result.Output[1].ToString()); // per command only
    }

    [Fact]
    public void Piped_strings_become_lines_and_bytes_pass_raw()
    {
        var lines = _shell.Run("'b a', 'a b', 'c', 42 | Invoke-KaiShell -Session inv -Command 'sort'");
        Assert.Empty(lines.Errors);
        Assert.Equal("42\na b\nb a\nc\n", lines.Single().Text("Output"));

        var bytes = _shell.Run("(Invoke-KaiShell -Session inv -InputObject ([byte[]](0, 1, 10, 255)) -Command 'od -An -tx1').Output.Trim()");
        Assert.Equal("00 01 0a ff", bytes.Single().ToString());

        var pipedBytes = _shell.Run("(([byte[]](104, 105)) | Invoke-KaiShell -Session inv -Command 'cat').Output");
        Assert.Equal("hi", pipedBytes.Single().ToString());
    }

    [Fact]
    public void Without_input_stdin_is_empty()
    {
        var result = _fixture.Invoke("inv", "cat; echo \"read:$?\"", "-TimeoutSec 10");
        Assert.False(result.Get<bool>("TimedOut"));
        Assert.Equal("read:0\n", result.Text("Output"));
    }

    [Fact]
    public void WorkingDirectory_applies_to_one_command()
    {
        _fixture.Invoke("inv", "cd \"$HOME\"");
        var there = _fixture.Invoke("inv", "pwd", "-WorkingDirectory /tmp");
        Assert.Equal("/tmp\n", there.Text("Output"));
        var after = _fixture.Invoke("inv", "pwd");
        Assert.NotEqual("/tmp\n", after.Text("Output"));
    }

    [Fact]
    public void Fresh_neither_sees_nor_changes_the_session_state()
    {
        _fixture.Invoke("inv", "export SEEN=session; cd /tmp");
        var fresh = _fixture.Invoke("inv", "echo \"${SEEN:-unset}\"; export LEAK=fresh; cd /", "-Fresh");
        Assert.Equal("unset\n", fresh.Text("Output"));

        var after = _fixture.Invoke("inv", "echo \"$PWD ${LEAK:-unset} $SEEN\"");
        Assert.Equal("/tmp unset session\n", after.Text("Output"));
    }

    [Fact]
    public void Timeout_ends_the_command_with_a_result_and_the_session_goes_on()
    {
        _fixture.Invoke("inv", "export BEFORE=kept");
        var result = _fixture.Invoke("inv", "echo started; sleep 30", "-TimeoutSec 1");
        Assert.True(result.Get<bool>("TimedOut"));
        Assert.Equal("Interrupt", result.Text("CancelledBy"));
        Assert.Equal("started\n", result.Text("Output"));

        var next = _fixture.Invoke("inv", "echo \"$BEFORE\"");
        Assert.Equal("kept\n", next.Text("Output"));
    }

    [Fact]
    public async Task Stop_cancels_the_running_command_promptly_and_the_next_command_works()
    {
        _fixture.Invoke("inv", "export BEFORE=kept");
        using var ps = PS.Create();
        ps.Runspace = _fixture.Runspace;
        ps.AddScript("Invoke-KaiShell -Session inv -Command 'echo started; sleep 60' -TimeoutSec 120 -Verbose");
        using var started = new ManualResetEventSlim();
        ps.Streams.Verbose.DataAdded += (_, _) => started.Set();
        var run = ps.BeginInvoke();
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)), "the command never started");

        // A hang guard, not a timing assertion: without the cancel this would wait for sleep 60.
        await Task.Run(ps.Stop).WaitAsync(TimeSpan.FromSeconds(45));
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(run.IsCompleted);

        var next = _fixture.Invoke("inv", "echo \"after $BEFORE\"");
        Assert.Equal("after kept\n", next.Text("Output"));
        Assert.False(next.Get<bool>("Cancelled"));
    }

    [Fact]
    public async Task Stop_without_streaming_also_cancels_and_the_result_is_not_left_behind()
    {
        using var ps = PS.Create();
        ps.Runspace = _fixture.Runspace;
        ps.AddScript("Invoke-KaiShell -Session inv -Command 'sleep 60' -TimeoutSec 120");
        var run = ps.BeginInvoke();
        // Watch from a second runspace of this process (same embedded host) until the command runs.
        using (var watcher = new Hosting.KaiShellHost(new Dictionary<string, string> { ["KAI_DATA_DIR"] = _fixture.DataDirectory }))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (watcher.Run("(Get-KaiSession inv).State.ToString()").Single().ToString() != "Busy")
            {
                Assert.True(DateTime.UtcNow < deadline, "the command never started");
                await Task.Delay(20);
            }
        }

        var hostBefore = _shell.Host.Console.Output.Length;
        await Task.Run(ps.Stop).WaitAsync(TimeSpan.FromSeconds(45)); // a hang guard, not a timing assertion
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.Contains("'sleep 60' cancelled (SIGINT); session 'inv' is ready", _shell.Host.Console.Output[hostBefore..]);
        Assert.True(run.IsCompleted);
        // The engine finished the graduated cancel before the cmdlet returned: recorded, and the session is free.
        var last = _shell.Run("$t = Get-KaiTranscript inv -Last 1; $t.Commands[0].Command; $t.Screen.Substring($t.Screen.LastIndexOf('sleep 60'))");
        Assert.Equal("sleep 60", last.Output[0].ToString());
        Assert.Contains("cancelled", last.Output[1].ToString());
        Assert.Equal("Idle", _shell.Run("(Get-KaiSession inv).State.ToString()").Single().ToString());
    }

    [Fact]
    public void Verbose_streams_each_line_as_it_arrives()
    {
        var result = _shell.Run("Invoke-KaiShell -Session inv -Command 'echo one; echo two >&2; printf three' -Verbose");
        Assert.Empty(result.Errors);
        Assert.Contains("one", result.Verbose);
        Assert.Contains("stderr: two", result.Verbose);
        Assert.Contains("three", result.Verbose); // the unterminated last line too
        Assert.Equal("one\nthree", result.Single().Text("Output"));
    }

    [Fact]
    public void OnTimeout_Background_keeps_the_command_running_detached()
    {
        var result = _fixture.Invoke("inv", "sleep 2; echo finished", "-TimeoutSec 1 -OnTimeout Background");
        var id = result.Text("BackgroundProcessId");
        Assert.NotEmpty(id);

        // The result itself pipes into the process cmdlets.
        var waited = _shell.Run("$args[0] | Wait-KaiProcess -TimeoutSec 30 | Receive-KaiProcess", result);
        Assert.Empty(waited.Errors);
        Assert.Contains("finished", waited.Single().Text("Output"));
    }

    [Fact]
    public void Output_cap_truncates_visibly_and_the_command_completes()
    {
        var result = _fixture.Invoke("inv", "head -c 100000 /dev/zero | tr '\\0' a; echo; echo done >&2", "-OutputCap 1000");
        Assert.True(result.Get<bool>("Truncated"));
        var output = result.Text("Output");
        Assert.InRange(output.Length, 500, 1000); // head, marker and tail, all within the cap
        Assert.Contains("omitted", output);
        Assert.StartsWith("aaaa", output);
        Assert.Equal("done\n", result.Text("Error"));
        Assert.Equal(0, result.Get<int>("ExitCode"));
    }

    [Fact]
    public void Result_table_view_shows_exit_code_status_and_output()
    {
        var result = _shell.Run("Invoke-KaiShell -Session inv -Command 'echo view-line; (exit 4)' | Out-Host");
        Assert.Empty(result.Errors);
        Assert.Matches(@"ExitCode\s+Status\s+Duration\s+WorkingDirectory\s+Output", result.HostOutput.WithoutAnsi());
        Assert.Matches(@"\b4\s+Failed\b", result.HostOutput.WithoutAnsi());
        Assert.Contains("view-line", result.HostOutput.WithoutAnsi());
    }

    [Fact]
    public void A_shell_that_exits_is_replaced_with_its_state_and_the_user_is_told()
    {
        _fixture.Invoke("inv", "cd /tmp; export HEAL=restored");
        var exited = _shell.Run("Invoke-KaiShell -Session inv -Command 'exit 3'");
        Assert.Empty(exited.Errors);
        Assert.Equal(3, exited.Single().Get<int>("ExitCode"));
        Assert.Contains(exited.Warnings, w => w.Contains("exited", StringComparison.Ordinal));

        var next = _fixture.Invoke("inv", "echo \"$PWD $HEAL\"");
        Assert.True(next.Get<bool>("ShellRestarted"));
        Assert.Equal("/tmp restored\n", next.Text("Output"));
    }

    [Fact]
    public void A_write_the_sandbox_refuses_names_the_rule()
    {
        var result = _shell.Run("Invoke-KaiShell -Session inv -Command 'echo x > /usr/kai-probe'");
        Assert.Empty(result.Errors);
        var blocked = result.Single();
        Assert.NotEqual(0, blocked.Get<int>("ExitCode"));
        Assert.Contains("/usr", blocked.Text("BlockedBy"));
        Assert.Contains(result.Warnings, w => w.Contains(blocked.Text("BlockedBy"), StringComparison.Ordinal));
        Assert.False(File.Exists("/usr/kai-probe"));
    }

    [Theory]
    [InlineData("-Environment @{ 'BAD-NAME' = 1 }", "InvalidEnvironmentVariable", "BAD-NAME")]
    [InlineData("-TimeoutSec 100000", "TimeoutTooLong", "Timeout")]
    [InlineData("-OutputCap 10", "InvalidOutputCap", "OutputCap")]
    public void Bad_arguments_are_InvalidArgument_errors_naming_what_is_wrong(string arguments, string errorId, string target)
    {
        var result = _shell.Run("Invoke-KaiShell -Session inv -Command 'true' " + arguments);
        var error = Assert.Single(result.Errors);
        Assert.Equal(errorId, error.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(target, error.TargetObject);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Parameter_sets_keep_modes_apart()
    {
        var both = _shell.Run("Invoke-KaiShell -Session inv -Command 'true' -Fresh -Background");
        Assert.Equal("AmbiguousParameterSet", Assert.Single(both.Errors).ErrorId());
        var jobInBackground = _shell.Run("Invoke-KaiShell -Session inv -Command 'true' -Background -AsJob");
        Assert.Single(jobInBackground.Errors);
    }
}
