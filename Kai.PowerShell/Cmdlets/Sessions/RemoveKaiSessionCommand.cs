using System.Management.Automation;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Remove-KaiSession: stops a session and deletes it with its transcript and command history.</summary>
[Cmdlet(VerbsCommon.Remove, "KaiSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveKaiSessionCommand : KaiSessionCmdlet
{
    /// <summary>Sessions to remove: names or session objects (pipeline input accepted).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SessionNameTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string[] Session { get; set; } = [];

    protected override void ProcessRecordCore() =>
        ForEachInput(Session, name =>
        {
            if (!ShouldProcess(name, "Remove session, its transcript and its command history")) return;
            Await(SessionHost.RemoveSessionAsync(name, CancellationToken));
        });
}
