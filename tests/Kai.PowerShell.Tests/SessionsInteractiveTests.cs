using System.Diagnostics;
using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>Enter-KaiSession on a host without a raw UI, and durable transcripts (also across processes).</summary>
[Collection(SessionsCollection.Name)]
public sealed class SessionsInteractiveTests : IClassFixture<SessionsFixture>
{
    private readonly SessionsFixture _fixture;
    private readonly KaiShellHost _shell;

    public SessionsInteractiveTests(SessionsFixture fixture)
    {
        _fixture = fixture;
        _shell = fixture.Shell;
    }

    private void Type(params string[] lines)
    {
        _shell.Host.Console.Input.Clear();
        foreach (var line in lines) _shell.Host.Console.Input.Enqueue(line);
    }

    [Fact]
    public void Enter_runs_each_line_in_the_session_with_a_prompt_and_exit_leaves()
    {
        _fixture.StartSession("ent");
        Type("cd /tmp", "pwd", "echo oops >&2; false", "exit");

        var result = _shell.Run("Enter-KaiSession ent");

        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.Empty(_shell.Host.Console.Input);
        var screen = result.HostOutput;
        Assert.Contains($"ent:{_fixture.Workspace}$ ", screen);
        Assert.Contains("ent:/tmp$ /tmp\n", screen); // the prompt after cd, then pwd's output
        Assert.Contains("oops\n", screen);
        Assert.Contains("[exit 1]", screen);
        Assert.EndsWith("ent:/tmp$ ", screen); // the last prompt, answered with exit

        // The loop ran in the session itself: its state is the session's.
        Assert.Equal("/tmp\n", _fixture.Invoke("ent", "pwd").Text("Output"));
    }

    [Fact]
    public async Task Stopping_Enter_on_a_host_without_a_console_cancels_the_command_and_leaves()
    {
        _fixture.StartSession("ent-stop");
        Type("echo started; sleep 60");
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _fixture.Runspace;
        ps.AddScript("Enter-KaiSession ent-stop -TimeoutSec 120");
        var before = _shell.Host.Console.Output.Length;
        var run = ps.BeginInvoke();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_shell.Host.Console.Output[before..].Contains("started\n", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the command never started");
            await Task.Delay(20);
        }

        // A hang guard, not a timing assertion: without the cancel this would wait for sleep 60.
        await Task.Run(ps.Stop).WaitAsync(TimeSpan.FromSeconds(45));
        Assert.True(run.IsCompleted);
        Assert.Equal(System.Management.Automation.PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.Equal("fine\n", _fixture.Invoke("ent-stop", "echo fine").Text("Output"));
    }

    [Fact]
    public void Enter_takes_a_session_object_from_the_pipeline()
    {
        _fixture.StartSession("ent-pipe");
        Type("echo piped-in", "exit");
        var result = _shell.Run("Get-KaiSession ent-pipe | Enter-KaiSession");
        Assert.Empty(result.Errors);
        Assert.Contains("piped-in\n", result.HostOutput.WithoutAnsi());
    }

    [Fact]
    public void Transcript_keeps_the_screen_and_every_command()
    {
        _fixture.StartSession("tr");
        foreach (var command in new[] { "echo first", "echo second >&2", "(exit 7)" })
            _fixture.Invoke("tr", command);

        var transcript = _shell.Run("Get-KaiTranscript -Session tr").Single();
        Assert.Equal("tr", transcript.Text("Session"));
        Assert.Contains("first", transcript.Text("Screen"));
        Assert.Contains("second", transcript.Text("Screen"));
        var commands = _shell.Run("(Get-KaiTranscript -Session tr).Commands | ForEach-Object { '{0}|{1}' -f $_.Command, $_.ExitCode }");
        Assert.Equal(new[] { "echo first|0", "echo second >&2|0", "(exit 7)|7" }, commands.Output.Select(o => o.ToString()));

        var last = _shell.Run("(Get-KaiTranscript -Session tr -Last 2).Commands | ForEach-Object Command");
        Assert.Equal(new[] { "echo second >&2", "(exit 7)" }, last.Output.Select(o => o.ToString()));

        var view = _shell.Run("Get-KaiTranscript tr | Out-Host; (Get-KaiTranscript tr).Commands | Out-Host");
        Assert.Empty(view.Errors);
        Assert.Contains("--- session 'tr': 3 command record(s)", view.HostOutput.WithoutAnsi());
        Assert.Matches(@"Id\s+Started\s+ExitCode\s+Duration\s+Interrupted\s+Command", view.HostOutput.WithoutAnsi());
    }

    [Fact]
    public void A_session_from_another_process_shows_its_transcript_and_keeps_its_state()
    {
        // Another process (kai shell) creates the session and runs a command, then exits.
        var dataDirectory = Directory.CreateDirectory(Path.Combine(_fixture.Root, "other-process")).FullName;
        var run = RunKai(dataDirectory, "shell", "carried", "--workspace", _fixture.Workspace,
            "--command", "cd /tmp; export CARRIED=over; echo marker-from-cli");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("marker-from-cli\n", run.Output);

        try
        {
            // $env:KAI_DATA_DIR switches the cmdlets to that store.
            Type("echo \"$PWD $CARRIED\"", "exit");
            var result = _shell.Run("""
                $env:KAI_DATA_DIR = $args[0]
                (Get-KaiTranscript -Session carried).Commands | ForEach-Object Command
                Enter-KaiSession carried
                """, dataDirectory);
            Assert.Empty(result.Errors);
            Assert.Equal("cd /tmp; export CARRIED=over; echo marker-from-cli", result.Single().ToString());
            var screen = result.HostOutput;
            var restored = screen.IndexOf("marker-from-cli", StringComparison.Ordinal);
            var prompt = screen.IndexOf("carried:/tmp$ ", StringComparison.Ordinal);
            Assert.True(restored >= 0 && prompt > restored, "the restored transcript comes before the first prompt:\n" + screen);
            Assert.Contains("/tmp over\n", screen);
        }
        finally
        {
            _shell.Run("Get-KaiSession | Remove-KaiSession -Confirm:$false; $env:KAI_DATA_DIR = $args[0]", _fixture.DataDirectory);
        }
    }

    private static (int ExitCode, string Output, string Error) RunKai(string dataDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(RepoPaths.KaiExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["KAI_DATA_DIR"] = dataDirectory;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "kai did not exit");
        return (process.ExitCode, output.Result, error.Result);
    }
}
