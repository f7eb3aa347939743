using Kai.Native.Sessions;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>What a result says beyond its fields, as warnings (Invoke-KaiShell and its -AsJob job alike).</summary>
internal static class ResultWarnings
{
    public static IEnumerable<string> For(ExecResult result)
    {
        // The engine's own word: the shell exited and will be replaced, the command moved to the background, …
        if (result.Notice is { } notice) yield return notice;
        if (result.BlockedBy is { } rule)
            yield return $"The sandbox stopped this command (rule {rule}). Test-KaiSandbox -Path explains which rule hides or protects a path.";
        // Through the Kai service: a held command did not run; a sandbox-blocked one can be re-run once, approved.
        if (result.ApprovalId is { } approval)
        {
            yield return result.BlockedBy is not null
                ? $"Approve-KaiApproval -Id {approval} re-runs it once with only that rule lifted."
                : $"The service held this command for approval ({approval}); nothing ran. Approve-KaiApproval -Id {approval} runs it once; Deny-KaiApproval refuses it.";
        }
    }
}
