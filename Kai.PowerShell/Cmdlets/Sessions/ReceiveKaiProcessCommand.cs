using System.Management.Automation;
using Kai.Native.Sessions;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Receive-KaiProcess: a background process's output so far (within the output cap).</summary>
[Cmdlet(VerbsCommunications.Receive, "KaiProcess")]
[OutputType(typeof(BackgroundOutput))]
public sealed class ReceiveKaiProcessCommand : KaiSessionCmdlet
{
    /// <summary>Background process ids or objects (pipeline input accepted).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [BackgroundProcessIdTransformation]
    [ArgumentCompleter(typeof(BackgroundProcessIdCompleter))]
    public string[] Id { get; set; } = [];

    protected override void ProcessRecordCore() =>
        ForEachInput(Id, id => WriteObject(Await(SessionHost.ReceiveProcessAsync(id, CancellationToken))));
}
