using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Kai.Native.Service;
using Kai.PowerShell.Hosting;

namespace Kai.PowerShell.Completion;

/// <summary>Tab completion of approval ids (pending first), from the connected service.</summary>
public sealed class ApprovalIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (KaiHostProvider.Current is not IKaiServiceClient client) return Array.Empty<CompletionResult>();
        // Approve/Deny only make sense for pending ones; Get-KaiApproval offers all.
        var status = commandName.StartsWith("Get-", StringComparison.OrdinalIgnoreCase) ? (ApprovalStatus?)null : ApprovalStatus.Pending;
        var approvals = CompletionText.Query(token => client.GetApprovalsAsync(new ApprovalQuery(status), token));
        return CompletionText.Complete(approvals.Select(a => (a.Id, $"{a.Status} · {a.Session}: {a.Command}")), wordToComplete);
    }
}
