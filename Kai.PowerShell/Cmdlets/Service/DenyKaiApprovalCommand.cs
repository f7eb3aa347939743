using System.Management.Automation;
using Kai.Native.Service;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>Deny-KaiApproval: refuses held commands; they never run, and the approval id cannot be used again.</summary>
[Cmdlet(VerbsLifecycle.Deny, "KaiApproval", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ApprovalInfo))]
public sealed class DenyKaiApprovalCommand : ApprovalDecisionCmdlet
{
    protected override void Decide(string id)
    {
        if (!ShouldProcess(id, "Deny")) return;
        WriteObject(Await(Client.DenyAsync(id, Note, CancellationToken)));
    }
}
