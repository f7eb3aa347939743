using System.Management.Automation;
using Kai.Native.Sessions;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Stop-KaiProcess: ends a background process (SIGINT, then SIGTERM, then SIGKILL).</summary>
[Cmdlet(VerbsLifecycle.Stop, "KaiProcess", SupportsShouldProcess = true)]
[OutputType(typeof(BackgroundProcessInfo))]
public sealed class StopKaiProcessCommand : KaiSessionCmdlet
{
    /// <summary>Background process ids or objects (pipeline input accepted).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [BackgroundProcessIdTransformation]
    [ArgumentCompleter(typeof(BackgroundProcessIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Writes the stopped process to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore() =>
        ForEachInput(Id, id =>
        {
            if (!ShouldProcess(id, "Stop background process")) return;
            var stopped = Await(SessionHost.StopProcessAsync(id, CancellationToken));
            if (PassThru) WriteObject(stopped);
        });
}
