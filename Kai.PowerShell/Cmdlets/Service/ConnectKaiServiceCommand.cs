using System.Management.Automation;
using Kai.Native;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.PowerShell.Hosting;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>
/// Connect-KaiService: from now on the session cmdlets (Start-KaiSession, Invoke-KaiShell, Get-KaiSession…)
/// act on a running `kai serve` instead of the in-process host, so sessions are shared and outlive this pwsh.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "KaiService", DefaultParameterSetName = SocketSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ServiceConnectionInfo))]
public sealed class ConnectKaiServiceCommand : KaiCmdlet
{
    private const string SocketSet = "Socket";
    private const string UriSet = "Uri";

    /// <summary>The service's Unix socket (default: $env:KAI_DATA_DIR/kai.sock, then /var/lib/kai/kai.sock, whichever answers).</summary>
    [Parameter(Position = 0, ParameterSetName = SocketSet)]
    [ValidateNotNullOrEmpty]
    public string? SocketPath { get; set; }

    /// <summary>The service's URL over TCP, e.g. http://127.0.0.1:8080.</summary>
    [Parameter(Mandatory = true, ParameterSetName = UriSet)]
    [ValidateNotNull]
    public Uri? Uri { get; set; }

    /// <summary>The API secret as the credential's password (the user name is not used). Required with -Uri; on the socket it replaces the socket token.</summary>
    [Parameter(ParameterSetName = SocketSet)]
    [Parameter(Mandatory = true, ParameterSetName = UriSet)]
    [Credential]
    [ValidateNotNull]
    public PSCredential? Credential { get; set; }

    /// <summary>Writes the connection (transport, address, service version) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessingCore()
    {
        var secret = Credential is null ? null : Credential.Password.ToSecret();
        ServiceSessionHost client;
        if (ParameterSetName == UriSet)
        {
            client = ServiceSessionHost.ForUri(Uri!, secret!, ServiceClients.Describe());
        }
        else if (SocketPath is not null)
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(SocketPath);
            if (!File.Exists(path))
                throw new KaiException("ServiceNotRunning", KaiErrorKind.ObjectNotFound, $"There is no service socket at '{path}': is `kai serve` running on that data directory?", path);
            client = ServiceSessionHost.ForSocket(path, secret, ServiceClients.Describe());
        }
        else
        {
            // An explicit Connect ignores KAI_SERVICE=off (that only stops implicit detection).
            var candidates = ServicePaths.Candidates(name => name switch
            {
                "KAI_DATA_DIR" => DataDirectoryVariable(),
                "KAI_SERVICE" => null,
                _ => Environment.GetEnvironmentVariable(name),
            });
            client = Await(ServiceSessionHost.DetectAsync(ServiceClients.Describe(), CancellationToken, candidates))
                ?? throw new KaiException("ServiceNotFound", KaiErrorKind.ObjectNotFound,
                    $"No Kai service answers on {string.Join(" or ", candidates)}.", string.Join(", ", candidates))
                {
                    RecommendedAction = "Start the service (systemctl start kai, or kai serve), or name it: Connect-KaiService -SocketPath <data>/kai.sock, or -Uri with -Credential.",
                };
            if (secret is not null)
            {
                var address = client.Address["unix:".Length..];
                Await(client.DisposeAsync().AsTask());
                client = ServiceSessionHost.ForSocket(address, secret, ServiceClients.Describe());
            }
        }

        try
        {
            if (!ShouldProcess(client.Address, "Connect the Kai session cmdlets to this service"))
            {
                Await(client.DisposeAsync().AsTask());
                return;
            }
            var connection = TryConnection(client) ?? Await(client.ConnectAsync(CancellationToken));
            var previous = KaiHostProvider.Use(client);
            if (previous is not null && !ReferenceEquals(previous, client)) Await(previous.DisposeAsync().AsTask());
            WriteVerbose($"Connected to the Kai service {connection.Version} (pid {connection.ProcessId}) at {connection.Address} with the {connection.Authentication}.");
            if (PassThru) WriteObject(connection);
        }
        catch
        {
            if (!ReferenceEquals(KaiHostProvider.Current, client)) Await(client.DisposeAsync().AsTask());
            throw;
        }
    }

    /// <summary>The PowerShell session's $env:KAI_DATA_DIR (a runspace can differ from the process environment).</summary>
    private string? DataDirectoryVariable() =>
        SessionState.PSVariable.GetValue("env:KAI_DATA_DIR") as string ?? Environment.GetEnvironmentVariable("KAI_DATA_DIR");

    private static ServiceConnectionInfo? TryConnection(ServiceSessionHost client)
    {
        try
        {
            return client.Connection;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
