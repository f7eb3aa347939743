using System.Management.Automation;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>
/// Base of Approve-KaiApproval and Deny-KaiApproval: approval ids (from the pipeline by property name) and a note;
/// each id is decided on its own, so one failure is a non-terminating error and the others still go through.
/// </summary>
public abstract class ApprovalDecisionCmdlet : KaiServiceCmdlet
{
    /// <summary>Approval ids (ap-…); approvals from Get-KaiApproval bind by property name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ApprovalIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>A note (for a denial: why) kept with the approval and in the audit log.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Note { get; set; }

    protected sealed override void ProcessRecordCore() => ForEachInput(Id, Decide);

    /// <summary>Decides one approval (after ShouldProcess) and writes the resulting approval.</summary>
    protected abstract void Decide(string id);
}
