using System.Management.Automation;
using Kai.Native;
using Kai.Native.Service;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>Deny-KaiApproval: refuses held commands; they never run, and the approval id cannot be used again.</summary>
[Cmdlet(VerbsLifecycle.Deny, "KaiApproval", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ApprovalInfo))]
public sealed class DenyKaiApprovalCommand : KaiServiceCmdlet
{
    /// <summary>Approval ids (ap-…); approvals from Get-KaiApproval bind by property name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ApprovalIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Why: kept with the approval and in the audit log.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Note { get; set; }

    protected override void ProcessRecordCore()
    {
        foreach (var id in Id)
        {
            try
            {
                if (!ShouldProcess(id, "Deny")) continue;
                WriteObject(Await(Client.DenyAsync(id, Note, CancellationToken)));
            }
            catch (KaiException ex)
            {
                WriteKaiError(ex);
            }
        }
    }
}
