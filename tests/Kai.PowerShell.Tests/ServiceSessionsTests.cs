using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>
/// The session cmdlets through a real `kai serve`: sessions shared between two runspaces, held commands and
/// approvals across a restart (fail closed), and recovery after kill -9.
/// </summary>
[Collection(SessionsCollection.Name)]
public sealed class ServiceSessionsTests
{
    private const string Policy = "timeoutSeconds: 600\nrules:\n  - id: recursive-delete\n    description: Recursive deletes\n    pattern: '^rm\\s+-[a-zA-Z]*r'\n";

    [Fact]
    public async Task Two_runspaces_connected_to_the_service_share_sessions_and_shell_state()
    {
        await using var service = new ServiceFixture();
        await service.StartAsync();
        using var first = service.NewShell();
        using var second = service.NewShell();
        try
        {
            var start = first.Run("""
                Connect-KaiService
                $null = Start-KaiSession -Name shared -Workspace $args[0] -Sandbox None
                $null = Invoke-KaiShell -Session shared -Command 'cd /tmp; export SHARED=from-first'
                """, service.Workspace);
            Assert.Empty(start.Errors);

            var seen = second.Run("""
                Connect-KaiService -SocketPath $args[0]
                (Get-KaiSession -Name shared).Name
                (Invoke-KaiShell -Session shared -Command 'echo "$PWD $SHARED"').Output
                """, service.SocketPath);
            Assert.Empty(seen.Errors);
            Assert.Equal("shared", seen.Output[0].ToString());
            Assert.Equal("/tmp from-first", seen.Output[1].ToString().TrimEnd('\n'));

            // The transcript holds both runspaces' commands, in order; the audit log says who did what.
            var transcript = first.Run("(Get-KaiTranscript -Session shared).Commands | ForEach-Object Command");
            Assert.Empty(transcript.Errors);
            Assert.Equal(new[] { "cd /tmp; export SHARED=from-first", "echo \"$PWD $SHARED\"" }, transcript.Output.Select(o => o.ToString()));
            var audit = first.Run("Get-KaiAuditLog -Session shared -Kind command.exec");
            Assert.Equal(2, audit.Output.Count);

            // Disconnected, the embedded host (same KAI_DATA_DIR, other process state) does not have the live shell.
            var embedded = second.Run("Disconnect-KaiService; Connect-KaiService; Remove-KaiSession -Session shared -Confirm:$false; Get-KaiSession");
            Assert.Empty(embedded.Errors);
            Assert.Empty(embedded.Output);
        }
        finally
        {
            first.Run("Disconnect-KaiService");
            second.Run("Disconnect-KaiService");
        }
    }

    [Fact]
    public async Task Held_commands_are_approved_once_and_pending_ones_fail_closed_across_a_restart()
    {
        await using var service = new ServiceFixture(Policy);
        await service.StartAsync();
        using var shell = service.NewShell();
        try
        {
            var held = shell.Run("""
                Connect-KaiService
                $null = Start-KaiSession -Name ops -Workspace $args[0] -Sandbox None
                $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::Combine($args[0], 'one'))
                $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::Combine($args[0], 'two'))
                Invoke-KaiShell -Session ops -Command 'rm -r one'
                Invoke-KaiShell -Session ops -Command 'rm -r two'
                """, service.Workspace);
            Assert.Empty(held.Errors);
            Assert.Equal(2, held.Warnings.Count(w => w.Contains("held this command for approval", StringComparison.Ordinal)));
            var ids = held.Output.Select(o => o.Text("ApprovalId")).ToList();
            Assert.All(ids, id => Assert.Matches("^ap-[0-9a-f]{32}$", id));
            Assert.True(Directory.Exists(Path.Combine(service.Workspace, "one")), "a held command must not run");

            var completion = shell.Run("(TabExpansion2 -inputScript 'Approve-KaiApproval -Id ap-' -cursorColumn 27).CompletionMatches.CompletionText");
            Assert.Equal(ids.Order(), completion.Output.Select(o => o.ToString()).Order());

            var approved = shell.Run("Get-KaiApproval -Id $args[0] | Approve-KaiApproval -Note 'tested' -Confirm:$false", ids[0]);
            Assert.Empty(approved.Errors);
            Assert.Equal("Approved", approved.Single().Text("Status"));
            Assert.False(Directory.Exists(Path.Combine(service.Workspace, "one")));

            var whatIf = shell.Run("Deny-KaiApproval -Id $args[0] -WhatIf; (Get-KaiApproval -Id $args[0]).Status", ids[1]);
            Assert.Equal("Pending", whatIf.Output.Last().ToString());

            Assert.Equal(0, await service.StopAsync());
            await service.StartAsync();

            var after = shell.Run("""
                Get-KaiApproval -Since ([datetime]::Now.AddHours(-1)) | ForEach-Object { '{0} {1}' -f $_.Id, $_.Status }
                Approve-KaiApproval -Id $args[0] -Confirm:$false
                """, ids[1]);
            Assert.Contains($"{ids[0]} Approved", after.Output.Select(o => o.ToString()));
            Assert.Contains($"{ids[1]} SessionClosed", after.Output.Select(o => o.ToString()));
            Assert.Equal("ApprovalClosed", Assert.Single(after.Errors).ErrorId());
            Assert.True(Directory.Exists(Path.Combine(service.Workspace, "two")), "a pending command must never run after a restart");
        }
        finally
        {
            shell.Run("Disconnect-KaiService");
        }
    }

    [Fact]
    public async Task After_kill_9_the_database_is_sound_finished_commands_are_kept_and_the_running_one_is_interrupted()
    {
        await using var service = new ServiceFixture(Policy);
        await service.StartAsync();
        using var shell = service.NewShell();
        try
        {
            var setup = shell.Run("""
                Connect-KaiService
                $null = Start-KaiSession -Name crash -Workspace $args[0] -Sandbox None
                (Invoke-KaiShell -Session crash -Command 'echo acknowledged-1').Output
                (Invoke-KaiShell -Session crash -Command 'rm -r pending').ApprovalId
                """, service.Workspace);
            Assert.Empty(setup.Errors);
            var approvalId = setup.Output[1].ToString();

            using var running = service.NewShell();
            var job = Task.Run(() => running.Run("Connect-KaiService; Invoke-KaiShell -Session crash -Command 'echo started-slow; sleep 60' -TimeoutSec 120"));
            // Kill once the running command is on record (the service's flag and the engine's transcript row).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            bool Recorded() =>
                Directory.EnumerateFiles(Path.Combine(service.DataDirectory, ".responding")).Any()
                && shell.Run("(Get-KaiTranscript -Session crash).Commands | Where-Object Command -like '*sleep 60'").Output.Count > 0;
            while (!Recorded() && DateTime.UtcNow < deadline) await Task.Delay(100);
            await service.KillAsync();
            var lost = await job;
            Assert.NotEmpty(lost.Errors); // its connection died with the service
            running.Run("Disconnect-KaiService");

            await service.StartAsync();
            var after = shell.Run("""
                (Get-KaiTranscript -Session crash).Commands | ForEach-Object { '{0}|{1}' -f $_.Command, $_.Interrupted }
                (Get-KaiApproval -Id $args[0]).Status
                (Get-KaiAuditLog -Kind command.interrupted).Target
                """, approvalId);
            Assert.Empty(after.Errors);
            var lines = after.Output.Select(o => o.ToString()).ToList();
            Assert.Contains("echo acknowledged-1|False", lines);
            Assert.Contains("SessionClosed", lines);
            // In flight at the kill: its transcript row is marked interrupted (engine) and the audit log says so (service).
            Assert.Contains("echo started-slow; sleep 60|True", lines);
            Assert.Contains("echo started-slow; sleep 60", lines);
        }
        finally
        {
            shell.Run("Disconnect-KaiService");
        }
    }
}
