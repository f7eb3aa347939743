using System.Globalization;

namespace Kai.Native.Sessions.Interactive;

/// <summary>What a status line mentions beyond the problems (timeouts, cancels, truncation, sandbox refusals).</summary>
[Flags]
public enum ExecResultDetail
{
    /// <summary>Only what went wrong outside the command's own exit status.</summary>
    Problems = 0,
    /// <summary>A non-zero exit code (an interactive user wants it; a script already gets it as $?).</summary>
    ExitCode = 1,
    /// <summary>That the shell was replaced (every first command of a new `kai shell` process is).</summary>
    ShellRestart = 2,
    All = ExitCode | ShellRestart,
}

/// <summary>The one-line account of how a command ended, for interactive loops and the CLI.</summary>
public static class ExecResultText
{
    /// <summary>Null when there is nothing to say; otherwise e.g. "exit 2", "timed out after 30 s (SIGINT)".</summary>
    public static string? Describe(ExecResult result, ExecResultDetail detail = ExecResultDetail.All)
    {
        var parts = new List<string>();
        if (result.ApprovalId is { } approval) parts.Add($"held for approval {approval}: nothing ran");
        if (result.BlockedBy is { } rule) parts.Add($"blocked by sandbox rule {rule}");
        if (result.TimedOut) parts.Add($"timed out after {Seconds(result.Duration)}{Step(result.CancelledBy)}");
        else if (result.Cancelled) parts.Add($"cancelled{Step(result.CancelledBy)}");
        if (result.BackgroundProcessId is { } id)
        {
            if (result.Notice is null) parts.Add($"moved to the background as {id}"); // else the notice says it
        }
        // A cancelled command's status is the signal's doing: the cancel says it already.
        else if (detail.HasFlag(ExecResultDetail.ExitCode) && !result.TimedOut && !result.Cancelled && result.ExitCode is { } code && code != 0)
            parts.Add($"exit {code}");
        if (result.Truncated) parts.Add("output truncated at the cap");
        if (detail.HasFlag(ExecResultDetail.ShellRestart) && result.ShellRestarted) parts.Add("shell restarted (working directory and exported variables restored)");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    /// <summary>What ended a cancelled command, as a user knows it.</summary>
    public static string StepName(CancelStep step) => step switch
    {
        CancelStep.Interrupt => "SIGINT",
        CancelStep.Terminate => "SIGTERM",
        CancelStep.Kill => "SIGKILL",
        CancelStep.ShellReset => "shell reset",
        _ => "",
    };

    private static string Step(CancelStep step) => step == CancelStep.None ? "" : $" ({StepName(step)})";

    private static string Seconds(TimeSpan duration) =>
        duration.TotalSeconds.ToString(duration.TotalSeconds < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " s";
}
