using System.Management.Automation;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Stop-KaiProcess: ends a background process (SIGINT, then SIGTERM, then SIGKILL).</summary>
[Cmdlet(VerbsLifecycle.Stop, "KaiProcess", SupportsShouldProcess = true)]
[OutputType(typeof(BackgroundProcessInfo))]
public sealed class StopKaiProcessCommand : KaiProcessesInputCmdlet
{
    /// <summary>Writes the stopped process to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessId(string id)
    {
        if (!ShouldProcess(id, "Stop background process")) return;
        var stopped = Await(SessionHost.StopProcessAsync(id, CancellationToken));
        if (PassThru) WriteObject(stopped);
    }
}
