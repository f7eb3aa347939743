using System.Diagnostics;
using Kai.Native.Platform;

namespace Kai.Native.Sessions;

/// <summary>
/// The graduated cancel: SIGINT to the running command's processes, then SIGTERM, then SIGKILL, each
/// after a short grace, and finally a reset of the whole shell. <see cref="Step"/> is the last step
/// taken — the one that ended the command once it is over.
/// </summary>
internal sealed class CancelEscalation
{
    private readonly Func<CancelStep, IReadOnlyList<int>> _targets;
    private readonly long _graceTicks;
    private long _nextAt = long.MaxValue;

    /// <param name="targets">The processes a step signals, found afresh at every step.</param>
    public CancelEscalation(Func<CancelStep, IReadOnlyList<int>> targets, TimeSpan grace)
    {
        _targets = targets;
        _graceTicks = (long)(grace.TotalSeconds * Stopwatch.Frequency);
    }

    public CancelStep Step { get; private set; } = CancelStep.None;
    public bool Started => Step != CancelStep.None;
    public bool ResetRequested => Step == CancelStep.ShellReset;

    public void Begin()
    {
        if (!Started) Enter(CancelStep.Interrupt);
    }

    /// <summary>Milliseconds until the next step is due (int.MaxValue when none is pending).</summary>
    public int MillisecondsUntilNext
    {
        get
        {
            if (_nextAt == long.MaxValue) return int.MaxValue;
            var remaining = _nextAt - Stopwatch.GetTimestamp();
            return remaining <= 0 ? 0 : (int)Math.Min(int.MaxValue, remaining * 1000 / Stopwatch.Frequency + 1);
        }
    }

    /// <summary>Takes the next step when its time has come.</summary>
    public void Tick()
    {
        if (!Started || ResetRequested || Stopwatch.GetTimestamp() < _nextAt) return;
        Enter(Step + 1);
    }

    private void Enter(CancelStep step)
    {
        Step = step;
        if (step == CancelStep.ShellReset)
        {
            _nextAt = long.MaxValue;
            return;
        }
        var signal = step switch
        {
            CancelStep.Interrupt => Interop.SIGINT,
            CancelStep.Terminate => Interop.SIGTERM,
            _ => Interop.SIGKILL,
        };
        var targets = _targets(step);
        if (targets.Count == 0)
        {
            // Nothing to signal (a busy loop in the shell itself, or only the shell is left): only a
            // reset can end it. Wait just long enough for an end that was already on its way.
            Step = CancelStep.Kill;
            _nextAt = Stopwatch.GetTimestamp() + Math.Min(_graceTicks, Stopwatch.Frequency / 10);
            return;
        }
        foreach (var pid in targets) ProcessTree.Signal(pid, signal);
        _nextAt = Stopwatch.GetTimestamp() + _graceTicks;
    }
}
