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
    }
}
