using System.Management.Automation;

namespace Kai.PowerShell.Tests;

/// <summary>Invoke-KaiShell -Background with Get/Receive/Stop/Wait-KaiProcess, and -AsJob with the job cmdlets.</summary>
[Collection(SessionsCollection.Name)]
public sealed class SessionsBackgroundTests : IClassFixture<SessionsFixture>
{
    private readonly SessionsFixture _fixture;
    private readonly Hosting.KaiShellHost _shell;

    public SessionsBackgroundTests(SessionsFixture fixture)
    {
        _fixture = fixture;
        _shell = fixture.Shell;
        if (_shell.Run("Get-KaiSession -Name bg").Output.Count == 0) fixture.StartSession("bg");
    }

    [Fact]
    public void Background_process_is_listed_waited_for_and_received()
    {
        var started = _shell.Run("Invoke-KaiShell -Session bg -Background -Command 'echo begin; sleep 1; echo end; echo warn >&2; exit 5'");
        Assert.Empty(started.Errors);
        var process = started.Single();
        Assert.Equal("Kai.Native.Sessions.BackgroundProcessInfo", process.BaseObject.GetType().FullName);
        var id = process.Text("Id");
        Assert.Equal("bg", process.Text("Session"));

        var listed = _shell.Run("Get-KaiProcess -Session bg | ForEach-Object Id");
        Assert.Contains(id, listed.Output.Select(o => o.ToString()));
        Assert.Equal(id, _shell.Run("(Get-KaiSession bg | Get-KaiProcess -Id $args[0]).Id", id).Single().ToString());

        var waited = _shell.Run("Wait-KaiProcess -Id $args[0] -TimeoutSec 30", id).Single();
        Assert.Equal("Exited", waited.Text("State"));
        Assert.Equal(5, waited.Get<int>("ExitCode"));

        var output = _shell.Run("$args[0] | Receive-KaiProcess", process).Single();
        Assert.Equal("begin\nend\n", output.Text("Output"));
        Assert.Equal("warn\n", output.Text("Error"));
        Assert.Equal(5, output.Get<int>("ExitCode"));
    }

    [Fact]
    public void Background_does_not_share_state_with_the_session_shell()
    {
        _fixture.Invoke("bg", "export ONLY_SESSION=1");
        var output = _shell.Run("Invoke-KaiShell -Session bg -Background -Command 'echo \"${ONLY_SESSION:-unset}\"; export FROM_BG=1' | Wait-KaiProcess | Receive-KaiProcess");
        Assert.Empty(output.Errors);
        Assert.Equal("unset\n", output.Single().Text("Output"));
        Assert.Equal("unset\n", _fixture.Invoke("bg", "echo \"${FROM_BG:-unset}\"").Text("Output"));
    }

    [Fact]
    public void Stop_KaiProcess_honours_WhatIf_then_kills()
    {
        var id = _shell.Run("(Invoke-KaiShell -Session bg -Background -Command 'sleep 60').Id").Single().ToString();

        var whatIf = _shell.Run("Stop-KaiProcess -Id $args[0] -WhatIf", id);
        Assert.Empty(whatIf.Errors);
        Assert.Contains(id, whatIf.HostOutput);
        Assert.Equal("Running", _shell.Run("(Get-KaiProcess -Id $args[0]).State", id).Single().ToString());

        var stopped = _shell.Run("Get-KaiProcess -Id $args[0] | Stop-KaiProcess -PassThru", id);
        Assert.Empty(stopped.Errors);
        Assert.Equal("Killed", stopped.Single().Text("State"));
        Assert.Equal("Killed", _shell.Run("(Get-KaiProcess -Id $args[0]).State", id).Single().ToString());
    }

    [Fact]
    public void Wait_KaiProcess_times_out_with_an_error_and_leaves_the_process_running()
    {
        var id = _shell.Run("(Invoke-KaiShell -Session bg -Background -Command 'sleep 60').Id").Single().ToString();
        try
        {
            var waited = _shell.Run("Wait-KaiProcess -Id $args[0] -TimeoutSec 1", id);
            var error = Assert.Single(waited.Errors);
            Assert.Equal("BackgroundProcessWaitTimeout", error.ErrorId());
            Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
            Assert.Equal(id, error.TargetObject);
            Assert.Empty(waited.Output);
            Assert.Equal("Running", _shell.Run("(Get-KaiProcess -Id $args[0]).State", id).Single().ToString());
        }
        finally
        {
            _shell.Run("Stop-KaiProcess -Id $args[0]", id);
        }
    }

    [Theory]
    [InlineData("Get-KaiProcess -Id bg-ghost")]
    [InlineData("Receive-KaiProcess -Id bg-ghost")]
    [InlineData("Stop-KaiProcess -Id bg-ghost")]
    [InlineData("Wait-KaiProcess -Id bg-ghost")]
    public void Unknown_process_id_is_ObjectNotFound(string script)
    {
        var error = Assert.Single(_shell.Run(script).Errors);
        Assert.Equal("ProcessNotFound", error.ErrorId());
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("bg-ghost", error.TargetObject);
    }

    [Fact]
    public void Process_ids_complete_on_Tab()
    {
        var id = _shell.Run("(Invoke-KaiShell -Session bg -Background -Command 'true').Id").Single().ToString();
        var prefix = id[..Math.Min(id.Length, 3)];
        var completed = _shell.Run("$line = 'Receive-KaiProcess -Id " + prefix + "'; (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText");
        Assert.Empty(completed.Errors);
        Assert.Contains(id, completed.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void AsJob_is_a_real_job_whose_output_is_the_result()
    {
        var result = _shell.Run("""
            $job = Invoke-KaiShell -Session bg -Command 'cd /tmp; echo from-job' -AsJob
            $job.PSJobTypeName
            (Get-Job -Id $job.Id).Id -eq $job.Id
            $null = $job | Wait-Job -Timeout 60
            $job.State.ToString()
            $received = $job | Receive-Job
            $received.Output
            $job.HasMoreData
            $job | Remove-Job
            """);
        Assert.Empty(result.Errors);
        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.Equal("KaiShellJob", lines[0]);
        Assert.Equal("True", lines[1]);
        Assert.Equal("Completed", lines[2]);
        Assert.Equal("from-job\n", lines[3]);
        Assert.Equal("False", lines[4]);
        // The job ran in the session: its cd stays.
        Assert.Equal("/tmp\n", _fixture.Invoke("bg", "pwd").Text("Output"));
    }

    [Fact]
    public void Stop_Job_cancels_the_command_and_the_job_keeps_its_result()
    {
        var result = _shell.Run("""
            $job = Invoke-KaiShell -Session bg -Command 'echo started; sleep 60' -TimeoutSec 120 -AsJob
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-KaiSession bg).State -ne 'Busy' -and [DateTime]::UtcNow -lt $deadline) { [System.Threading.Thread]::Sleep(50) }
            $job | Stop-Job
            $job.State.ToString()
            $r = $job | Receive-Job
            $r.Cancelled
            $job | Remove-Job
            (Invoke-KaiShell -Session bg -Command 'echo next').Output
            """);
        Assert.Empty(result.Errors);
        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.Equal(new[] { "Stopped", "True", "next\n" }, lines);
    }

    [Fact]
    public void Background_view_lists_id_state_and_command()
    {
        var result = _shell.Run("Invoke-KaiShell -Session bg -Background -Command 'echo view' | Out-Host");
        Assert.Empty(result.Errors);
        Assert.Matches(@"Id\s+Session\s+State\s+ExitCode\s+Started\s+Command", result.HostOutput.WithoutAnsi());
        Assert.Contains("echo view", result.HostOutput.WithoutAnsi());
    }
}
