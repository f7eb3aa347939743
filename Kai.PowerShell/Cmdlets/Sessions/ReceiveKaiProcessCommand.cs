using System.Management.Automation;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Receive-KaiProcess: a background process's output so far (within the output cap).</summary>
[Cmdlet(VerbsCommunications.Receive, "KaiProcess")]
[OutputType(typeof(BackgroundOutput))]
public sealed class ReceiveKaiProcessCommand : KaiProcessesInputCmdlet
{
    protected override void ProcessId(string id) =>
        WriteObject(Await(SessionHost.ReceiveProcessAsync(id, CancellationToken)));
}
