using System.Management.Automation;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Remove-KaiSession: stops a session and deletes it with its transcript and command history.</summary>
[Cmdlet(VerbsCommon.Remove, "KaiSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveKaiSessionCommand : KaiSessionsInputCmdlet
{
    protected override void ProcessSession(string name)
    {
        if (!ShouldProcess(name, "Remove session, its transcript and its command history")) return;
        Await(SessionHost.RemoveSessionAsync(name, CancellationToken));
    }
}
