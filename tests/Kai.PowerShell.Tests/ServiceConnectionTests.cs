using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>Connect-KaiService / Disconnect-KaiService and authentication against a real `kai serve`.</summary>
[Collection(SessionsCollection.Name)]
public sealed class ServiceConnectionTests
{
    [Fact]
    public async Task Connect_over_the_socket_and_tcp_then_Disconnect_returns_to_the_embedded_host()
    {
        await using var service = new ServiceFixture();
        await service.StartAsync();
        using var shell = service.NewShell();
        try
        {
            var viaSocket = shell.Run("Connect-KaiService -PassThru");
            Assert.Empty(viaSocket.Errors);
            var connection = viaSocket.Single();
            Assert.Equal("unix", connection.Text("Transport"));
            Assert.Equal("socket-token", connection.Text("Authentication"));
            Assert.Equal(service.ProcessId, connection.Get<int>("ProcessId"));

            var viaTcp = shell.Run("""
                $secure = [securestring]::new(); foreach ($c in $args[1].ToCharArray()) { $secure.AppendChar($c) }
                $credential = [pscredential]::new('kai', $secure)
                Connect-KaiService -Uri $args[0] -Credential $credential -PassThru -Verbose
                """, service.Uri, ServiceFixture.Secret);
            Assert.Empty(viaTcp.Errors);
            Assert.Equal("tcp", viaTcp.Single().Text("Transport"));
            Assert.Equal("api-secret", viaTcp.Single().Text("Authentication"));
            Assert.DoesNotContain(ServiceFixture.Secret, viaTcp.AllText);

            var whatIf = shell.Run("Disconnect-KaiService -WhatIf; Get-KaiAuditLog -Kind service.start");
            Assert.Empty(whatIf.Errors);
            Assert.Single(whatIf.Output); // still connected: the audit log answered

            var disconnect = shell.Run("Disconnect-KaiService -Verbose");
            Assert.Empty(disconnect.Errors);
            Assert.Contains(disconnect.Verbose, v => v.Contains("Disconnected", StringComparison.Ordinal));
        }
        finally
        {
            shell.Run("Disconnect-KaiService");
        }
    }

    [Fact]
    public async Task Wrong_secrets_are_AuthenticationError_then_throttled_and_both_are_in_the_audit_log()
    {
        await using var service = new ServiceFixture();
        await service.StartAsync();
        using var shell = service.NewShell();
        try
        {
            var attempts = shell.Run("""
                $secure = [securestring]::new(); foreach ($c in 'wrong-secret-wrong-secret'.ToCharArray()) { $secure.AppendChar($c) }
                $bad = [pscredential]::new('kai', $secure)
                foreach ($i in 1..5) { try { Connect-KaiService -Uri $args[0] -Credential $bad -ErrorAction Stop } catch { $_ } }
                """, service.Uri);
            var errors = attempts.Output.Select(o => (System.Management.Automation.ErrorRecord)o.BaseObject).ToList();
            Assert.Equal(5, errors.Count);
            Assert.All(errors.Take(4), e => Assert.Equal("ServiceAuthenticationFailed", e.ErrorId()));
            Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, errors[0].CategoryInfo.Category);
            Assert.Equal("ServiceAuthenticationThrottled", errors[4].ErrorId());

            var audit = shell.Run("Connect-KaiService -SocketPath $args[0]; Get-KaiAuditLog -Kind 'auth.*'", service.SocketPath);
            Assert.Empty(audit.Errors);
            Assert.Equal(5, audit.Output.Count(o => o.Text("Kind") == "auth.failure"));
            Assert.Single(audit.Output, o => o.Text("Kind") == "auth.throttled");
            Assert.DoesNotContain("wrong-secret", audit.AllText);
            var verify = shell.Run("Get-KaiAuditLog -Verify");
            Assert.True(verify.Single().Get<bool>("Valid"));
        }
        finally
        {
            shell.Run("Disconnect-KaiService");
        }
    }

    [Fact]
    public async Task Without_a_service_the_approval_cmdlets_say_so_and_a_missing_socket_is_ServiceNotRunning()
    {
        await using var service = new ServiceFixture(); // not started: no socket
        using var shell = service.NewShell();
        var approvals = shell.Run("Get-KaiApproval");
        var error = Assert.Single(approvals.Errors);
        Assert.True(error.ErrorId() is "ServiceNotConnected" or "ServiceNotFound", error.ErrorId());

        var connect = shell.Run("Connect-KaiService -SocketPath $args[0]", service.SocketPath);
        Assert.Equal("ServiceNotRunning", Assert.Single(connect.Errors).ErrorId());
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, connect.Errors[0].CategoryInfo.Category);
    }
}
