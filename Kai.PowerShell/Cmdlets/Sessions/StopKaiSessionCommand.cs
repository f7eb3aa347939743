using System.Management.Automation;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Stop-KaiSession: ends a session's shell; the session, its transcript and history stay.</summary>
[Cmdlet(VerbsLifecycle.Stop, "KaiSession", SupportsShouldProcess = true)]
[OutputType(typeof(SessionInfo))]
public sealed class StopKaiSessionCommand : KaiSessionsInputCmdlet
{
    /// <summary>Writes the stopped session to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessSession(string name)
    {
        if (!ShouldProcess(name, "Stop session")) return;
        var stopped = Await(SessionHost.StopSessionAsync(name, CancellationToken));
        if (PassThru) WriteObject(stopped);
    }
}
