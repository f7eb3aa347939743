using System.Management.Automation;
using Kai.PowerShell.Hosting;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>Disconnect-KaiService: the session cmdlets go back to the in-process (embedded) host.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "KaiService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class DisconnectKaiServiceCommand : KaiCmdlet
{
    protected override void EndProcessingCore()
    {
        if (!KaiHostProvider.IsConnected)
        {
            WriteVerbose("Not connected to a Kai service: the session cmdlets already use the embedded host.");
            return;
        }
        var current = KaiHostProvider.Current;
        if (!ShouldProcess(current.Description, "Disconnect; the session cmdlets go back to the embedded host")) return;
        var dropped = KaiHostProvider.UseEmbedded();
        if (dropped is not null) Await(dropped.DisposeAsync().AsTask());
        WriteVerbose($"Disconnected from {current.Description}; sessions there keep running in the service.");
    }
}
