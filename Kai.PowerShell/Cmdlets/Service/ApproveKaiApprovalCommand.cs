using System.Management.Automation;
using Kai.Native.Service;
using Kai.Native.Sessions;
using Kai.PowerShell.Cmdlets.Sessions;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>
/// Approve-KaiApproval: approves held commands. By default the service runs each one at once (exactly the held
/// command; a sandbox-blocked one re-runs fresh with only the blocking rule lifted) and the returned approval
/// carries the result; its output streams to the information stream as it arrives.
/// </summary>
[Cmdlet(VerbsLifecycle.Approve, "KaiApproval", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ApprovalInfo))]
public sealed class ApproveKaiApprovalCommand : ApprovalDecisionCmdlet
{
    /// <summary>Only approve: the command does not run now; its requester re-submits it once under the approval id.</summary>
    [Parameter]
    public SwitchParameter NoRun { get; set; }

    protected override void Decide(string id)
    {
        var pending = Await(Client.GetApprovalAsync(id, CancellationToken));
        var action = NoRun ? "Approve (the requester may run it once)" : "Approve and run";
        if (!ShouldProcess($"{id} in session {pending.Session}: {pending.Command}", action)) return;
        var approved = RunPumped(post => Client.ApproveAsync(id, Note, !NoRun,
            new ChunkProgress(chunk => post(() => WriteChunk(chunk))), CancellationToken));
        WriteObject(approved);
    }

    private void WriteChunk(OutputChunk chunk) =>
        WriteInformation(chunk.Text, new[] { "KaiOutput", chunk.Stream == OutputStream.StandardError ? "stderr" : "stdout" });
}
