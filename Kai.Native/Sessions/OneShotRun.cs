using Kai.Native.Platform;

namespace Kai.Native.Sessions;

/// <summary>
/// A command in its own short-lived sandboxed bash (-Fresh, -Background): it is over when both pipes
/// reach end of file and the process has exited (or the process exited and its pipes went quiet —
/// an orphan it left behind may hold them open).
/// </summary>
internal sealed class OneShotRun : ProcessRun
{
    public OneShotRun(ShellProcess shell, CommandSpec spec, Redactor redactor, TimeSpan cancelGrace)
        : base(shell, spec, redactor, cancelGrace)
    {
    }

    public int? ExitCode { get; private set; }
    public bool ShellWasReset { get; private set; }

    protected override IReadOnlyList<int> CommandProcesses(CancelStep step)
    {
        // Everything the sandbox runs for us, but not the sandbox's own wrapper (bwrap and its init).
        var result = new List<int>();
        foreach (var pid in Shell.AllProcesses())
        {
            if (ProcessTree.ReadStat(pid) is { } stat && stat.State != 'Z' && stat.Command is not ("bwrap" or "setsid"))
                result.Add(pid);
        }
        return result;
    }

    public override void OnData(int stream, ReadOnlySpan<byte> data) => Capture(stream, data);

    protected override void CheckCompletion()
    {
        if (Done || !Shell.StdoutClosed || !Shell.StderrClosed) return;
        Finish();
    }

    protected override void OnIdle()
    {
        if (!Done && Shell.HasExited)
        {
            // Exited, yet a pipe is still open (held by an orphan): take what is there and stop.
            while (Shell.Pump(0, this))
            {
            }
            Finish();
        }
    }

    private void Finish()
    {
        if (!Shell.WaitForExit(2000))
        {
            Shell.Kill();
            Shell.WaitForExit(2000);
        }
        ExitCode = Shell.ExitCode;
        Done = true;
    }

    protected override void ResetShell()
    {
        if (ShellWasReset) return;
        ShellWasReset = true;
        Shell.Kill();
    }

    public RunOutcome Outcome(string? workingDirectory, string? notice = null)
    {
        var (output, error) = FinishCaptures();
        return new RunOutcome(output, error, ExitCode, TimedOut, Cancelled, Escalation.Step, Elapsed, workingDirectory,
            ShellEnded: true, Notice: notice);
    }

    public CancelStep CancelStep => Escalation.Step;
}
