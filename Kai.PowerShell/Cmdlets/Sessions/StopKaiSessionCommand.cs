using System.Management.Automation;
using Kai.Native.Sessions;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Stop-KaiSession: ends a session's shell; the session, its transcript and history stay.</summary>
[Cmdlet(VerbsLifecycle.Stop, "KaiSession", SupportsShouldProcess = true)]
[OutputType(typeof(SessionInfo))]
public sealed class StopKaiSessionCommand : KaiSessionCmdlet
{
    /// <summary>Sessions to stop: names or session objects (pipeline input accepted).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SessionNameTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string[] Session { get; set; } = [];

    /// <summary>Writes the stopped session to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore() =>
        ForEachInput(Session, name =>
        {
            if (!ShouldProcess(name, "Stop session")) return;
            var stopped = Await(SessionHost.StopSessionAsync(name, CancellationToken));
            if (PassThru) WriteObject(stopped);
        });
}
