using System.Management.Automation;

namespace Kai.PowerShell.Tests;

/// <summary>Start/Get/Stop/Remove-KaiSession, the -Session argument, errors and Tab completion, in a hosted engine.</summary>
[Collection(SessionsCollection.Name)]
public sealed class SessionsLifecycleTests(SessionsFixture fixture) : IClassFixture<SessionsFixture>
{
    private readonly Hosting.KaiShellHost _shell = fixture.Shell;

    [Fact]
    public void Issue_usage_state_persists_within_a_session_and_not_across_sessions()
    {
        var result = _shell.Run("""
            $s = Start-KaiSession -Name build -Workspace $args[0]
            $null = Invoke-KaiShell -Session $s -Command 'cd /tmp; export X=1' -TimeoutSec 30
            (Invoke-KaiShell -Session build -Command 'echo "$PWD $X"').Output
            $null = Start-KaiSession -Name elsewhere -Workspace $args[0]
            (Invoke-KaiShell -Session elsewhere -Command 'echo "$PWD ${X:-unset}"').Output
            (Invoke-KaiShell -Session build -Command 'echo "$PWD $X"').Output
            """, fixture.Workspace);

        Assert.Empty(result.Errors);
        var lines = result.Output.Select(o => o.ToString().TrimEnd('\n')).ToList();
        Assert.Equal("/tmp 1", lines[0]);
        Assert.Equal(fixture.Workspace + " unset", lines[1]);
        Assert.Equal("/tmp 1", lines[2]); // the other session did not disturb this one
    }

    [Fact]
    public void Start_returns_the_session_and_Get_lists_it()
    {
        var started = fixture.StartSession("life-start");
        Assert.Equal("life-start", started.Text("Name"));
        Assert.Equal(fixture.Workspace, started.Text("Workspace"));
        Assert.Equal("Kai.Native.Sessions.SessionInfo", started.BaseObject.GetType().FullName);

        var listed = _shell.Run("Get-KaiSession -Name life-start");
        Assert.Empty(listed.Errors);
        Assert.Equal("life-start", listed.Single().Text("Name"));
    }

    [Fact]
    public void Workspace_resolves_against_the_current_location_and_home()
    {
        var relative = _shell.Run("$null = $ExecutionContext.SessionState.Path.SetLocation($args[0]); (Start-KaiSession -Name life-rel -Workspace ./ws).Workspace", fixture.Root);
        Assert.Empty(relative.Errors);
        Assert.Equal(fixture.Workspace, relative.Single().ToString());

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var underHome = Directory.CreateDirectory(Path.Combine(home, ".kai-test-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        try
        {
            var tilde = _shell.Run($"(Start-KaiSession -Name life-tilde -Workspace ~/{Path.GetFileName(underHome)}).Workspace");
            Assert.Empty(tilde.Errors);
            Assert.Equal(underHome, tilde.Single().ToString());
        }
        finally
        {
            _shell.Run("Remove-KaiSession -Session life-tilde -Confirm:$false -ErrorAction SilentlyContinue");
            Directory.Delete(underHome, recursive: true);
        }
    }

    [Fact]
    public void Get_matches_wildcards_and_reports_an_unknown_name()
    {
        fixture.StartSession("life-get-a");
        fixture.StartSession("life-get-b");
        fixture.StartSession("life-other");

        var matched = _shell.Run("Get-KaiSession -Name 'life-get-*', 'LIFE-GET-A' | ForEach-Object Name");
        Assert.Empty(matched.Errors);
        Assert.Equal(new[] { "life-get-a", "life-get-b" }, matched.Output.Select(o => o.ToString())); // sorted, no duplicates

        var none = _shell.Run("Get-KaiSession -Name 'no-such-*'");
        Assert.Empty(none.Errors);
        Assert.Empty(none.Output);

        var unknown = _shell.Run("Get-KaiSession -Name life-nope");
        var error = Assert.Single(unknown.Errors);
        Assert.Equal("SessionNotFound", error.ErrorId());
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("life-nope", error.TargetObject);
    }

    [Fact]
    public void Stop_takes_sessions_from_the_pipeline_and_a_stopped_session_runs_again()
    {
        fixture.StartSession("life-stop-a");
        fixture.StartSession("life-stop-b");
        fixture.Invoke("life-stop-a", "cd /tmp; export KEPT=yes");

        var stopped = _shell.Run("Get-KaiSession life-stop-* | Stop-KaiSession -PassThru | ForEach-Object { '{0}={1}' -f $_.Name, $_.State }");
        Assert.Empty(stopped.Errors);
        Assert.Equal(new[] { "life-stop-a=Stopped", "life-stop-b=Stopped" }, stopped.Output.Select(o => o.ToString()));

        var quiet = _shell.Run("Stop-KaiSession -Session life-stop-b");
        Assert.Empty(quiet.Errors);
        Assert.Empty(quiet.Output); // no -PassThru, no output

        // The record stays; the next command starts a new shell where the last one left off.
        var again = fixture.Invoke("life-stop-a", "echo \"$PWD $KEPT\"");
        Assert.Equal("/tmp yes", again.Text("Output").TrimEnd('\n'));
    }

    [Fact]
    public void Remove_asks_first_WhatIf_removes_nothing_and_Remove_deletes_session_and_transcript()
    {
        fixture.StartSession("life-rm");
        fixture.Invoke("life-rm", "echo hello");

        var whatIf = _shell.Run("Remove-KaiSession -Session life-rm -WhatIf");
        Assert.Empty(whatIf.Errors);
        Assert.Contains("life-rm", whatIf.HostOutput);
        Assert.Equal("life-rm", _shell.Run("(Get-KaiSession life-rm).Name").Single().ToString());

        // ConfirmImpact High: without -Confirm:$false the host is asked, and "No" keeps the session.
        _shell.Host.Console.Input.Enqueue("No");
        var declined = _shell.Run("Remove-KaiSession -Session life-rm");
        Assert.Empty(declined.Errors);
        Assert.Contains(_shell.Host.Console.Prompts, p => p.Contains("life-rm", StringComparison.Ordinal));
        Assert.Single(_shell.Run("Get-KaiSession life-rm").Output);

        var removed = _shell.Run("Get-KaiSession life-rm | Remove-KaiSession -Confirm:$false");
        Assert.Empty(removed.Errors);
        Assert.Empty(_shell.Run("Get-KaiSession life-rm*").Output);
        var transcript = _shell.Run("Get-KaiTranscript -Session life-rm");
        Assert.Equal("SessionNotFound", Assert.Single(transcript.Errors).ErrorId());
    }

    [Theory]
    [InlineData("Invoke-KaiShell -Session life-ghost -Command 'true'")]
    [InlineData("Stop-KaiSession -Session life-ghost")]
    [InlineData("Remove-KaiSession -Session life-ghost -Confirm:$false")]
    [InlineData("Get-KaiTranscript -Session life-ghost")]
    [InlineData("Enter-KaiSession -Session life-ghost")]
    public void Unknown_session_is_ObjectNotFound_with_the_name_as_target(string script)
    {
        var result = _shell.Run(script);
        var error = Assert.Single(result.Errors);
        Assert.Equal("SessionNotFound", error.ErrorId());
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("life-ghost", error.TargetObject);
        Assert.Contains("life-ghost", error.ToString());
    }

    [Fact]
    public void Non_terminating_errors_let_the_rest_of_the_pipeline_run()
    {
        fixture.StartSession("life-nt");
        var result = _shell.Run("'life-ghost', 'life-nt' | Stop-KaiSession -PassThru | ForEach-Object Name");
        Assert.Equal("SessionNotFound", Assert.Single(result.Errors).ErrorId());
        Assert.Equal("life-nt", result.Single().ToString());
    }

    [Fact]
    public void Session_names_complete_on_Tab()
    {
        fixture.StartSession("cmp-one");
        fixture.StartSession("cmp-two");
        fixture.StartSession("life-cmp");

        foreach (var line in new[] { "Invoke-KaiShell -Session cmp", "Enter-KaiSession cmp", "Get-KaiSession CMP", "Get-KaiTranscript -Session 'cmp" })
        {
            var result = _shell.Run("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches | ForEach-Object CompletionText", line);
            Assert.Empty(result.Errors);
            Assert.Equal(new[] { "cmp-one", "cmp-two" }, result.Output.Select(o => o.ToString()));
        }
    }

    [Fact]
    public void Sandbox_parameter_completes_and_validates_its_values()
    {
        var completions = _shell.Run("$line = 'Start-KaiSession x -Sandbox '; (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText");
        Assert.Equal(new[] { "Auto", "Bubblewrap", "None", "SandboxExec" }, completions.Output.Select(o => o.ToString()));

        var bad = _shell.Run("Start-KaiSession -Name life-bad -Sandbox Chroot");
        var error = Assert.Single(bad.Errors);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("Bubblewrap", error.ToString()); // the message lists the valid values
    }

    [Fact]
    public void Default_sandbox_is_bubblewrap_and_None_must_be_asked_for()
    {
        var database = Path.Combine(fixture.DataDirectory, "kai.db");
        var probe = $"test -e '{database}' && echo visible || echo hidden";

        var sandboxed = _shell.Run("Start-KaiSession -Name life-sbx -Workspace $args[0]", fixture.Workspace).Single();
        Assert.Equal("bubblewrap", sandboxed.Text("Sandbox"));
        Assert.Equal("hidden\n", fixture.Invoke("life-sbx", probe).Text("Output")); // Kai's own data is denied

        var open = _shell.Run("Start-KaiSession -Name life-nosbx -Workspace $args[0] -Sandbox None", fixture.Workspace).Single();
        Assert.Equal("none", open.Text("Sandbox"));
        Assert.Equal("visible\n", fixture.Invoke("life-nosbx", probe).Text("Output"));
    }

    [Fact]
    public void Start_WhatIf_starts_nothing()
    {
        var result = _shell.Run("Start-KaiSession -Name life-whatif -Workspace $args[0] -WhatIf", fixture.Workspace);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.Contains("life-whatif", result.HostOutput.WithoutAnsi());
        Assert.Empty(_shell.Run("Get-KaiSession life-whatif*").Output);
    }

    [Fact]
    public void Session_view_shows_name_state_and_sandbox()
    {
        fixture.StartSession("life-view");
        var result = _shell.Run("Get-KaiSession life-view | Out-Host");
        Assert.Empty(result.Errors);
        Assert.Matches(@"Name\s+State\s+Sandbox\s+Commands\s+LastUsed\s+WorkingDirectory", result.HostOutput.WithoutAnsi());
        Assert.Contains(fixture.Workspace[..20], result.HostOutput.WithoutAnsi()); // the working directory column fits
        Assert.Contains("life-view", result.HostOutput.WithoutAnsi());
    }
}
