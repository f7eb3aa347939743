using System.Diagnostics;

namespace Kai.Native.Sessions;

/// <summary>How one command is to be run (already validated).</summary>
internal sealed record CommandSpec(
    string Command,
    string? WorkingDirectory,
    IReadOnlyDictionary<string, string>? Environment,
    byte[]? StandardInput,
    TimeSpan Timeout,
    TimeoutAction OnTimeout,
    int OutputCap,
    IProgress<OutputChunk>? Progress,
    CancellationToken CancellationToken,
    TimeSpan SpinWait = default);

/// <summary>What happened to one command.</summary>
internal sealed record RunOutcome(
    CapturedOutput Output,
    CapturedOutput Error,
    int? ExitCode,
    bool TimedOut,
    bool Cancelled,
    CancelStep CancelledBy,
    TimeSpan Duration,
    string? WorkingDirectory,
    bool ShellEnded,
    string? Notice = null,
    string? ExportDump = null,
    BackgroundJob? MovedToBackground = null);

/// <summary>
/// Drives one command from start to end: drains stdout/stderr into capped captures (and the live
/// stream), watches the timeout and the cancellation token, and runs the graduated cancel. It is
/// advanced in slices by whichever thread waits — first the caller's own, briefly (most commands finish
/// within microseconds, without a thread hop), then a dedicated thread for long commands.
/// </summary>
internal abstract class ProcessRun : IOutputSink
{
    /// <summary>How often a long wait wakes to look at the clock, the token and the process.</summary>
    protected const int SliceMilliseconds = 25;

    private readonly OutputCapture[] _captures;
    private readonly OutputForwarder?[] _forwarders;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _deadline;

    protected ProcessRun(ShellProcess shell, CommandSpec spec, Redactor redactor, TimeSpan cancelGrace)
    {
        Shell = shell;
        Spec = spec;
        _captures = [new OutputCapture(spec.OutputCap), new OutputCapture(spec.OutputCap)];
        _forwarders = spec.Progress is null
            ? [null, null]
            : [new OutputForwarder(spec.Progress, OutputStream.StandardOutput, redactor, spec.OutputCap),
               new OutputForwarder(spec.Progress, OutputStream.StandardError, redactor, spec.OutputCap)];
        _deadline = spec.Timeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : _started + (long)(spec.Timeout.TotalSeconds * Stopwatch.Frequency);
        Escalation = new CancelEscalation(CommandProcesses, cancelGrace);
        Token = spec.CancellationToken;
    }

    protected ShellProcess Shell { get; }
    protected CommandSpec Spec { get; }
    /// <summary>What cancels the command: the caller's token, or a background job's own once detached.</summary>
    public CancellationToken Token { get; set; }
    /// <summary>Set once the run is shared with readers on other threads (a background job).</summary>
    public object? CaptureLock { get; set; }
    protected CancelEscalation Escalation { get; }
    public bool TimedOut { get; private set; }
    public bool Cancelled { get; private set; }
    public bool Done { get; protected set; }
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    /// <summary>The processes a cancel step signals.</summary>
    protected abstract IReadOnlyList<int> CommandProcesses(CancelStep step);

    /// <summary>Called after every pump: decide whether the command is over.</summary>
    protected abstract void CheckCompletion();

    /// <summary>Set when the timeout moved the command to the background: the caller stops waiting.</summary>
    public bool YieldedToBackground { get; private set; }
    /// <summary>The command went on in the background (its run now belongs to a job).</summary>
    public bool MovedToBackground { get; private set; }

    private bool TryMoveToBackground()
    {
        YieldedToBackground = MovedToBackground = true;
        return true;
    }

    /// <summary>A background job takes the command over and waits for its end on its own thread.</summary>
    public void ResumeInBackground(CancellationToken jobToken)
    {
        StopForwarding();
        Token = jobToken;
        YieldedToBackground = false;
    }

    /// <summary>The last cancel step gave up on the command: kill the shell.</summary>
    protected abstract void ResetShell();

    public abstract void OnData(int stream, ReadOnlySpan<byte> data);
    public virtual void OnEndOfStream(int stream)
    {
    }

    protected void Capture(int stream, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        if (CaptureLock is { } gate)
        {
            lock (gate) _captures[stream].Append(data);
        }
        else
        {
            _captures[stream].Append(data);
        }
        _forwarders[stream]?.Append(data);
    }

    /// <summary>
    /// Works on the command for up to <paramref name="maxMilliseconds"/> (int.MaxValue = until it ends).
    /// Returns true once it has ended.
    /// </summary>
    public bool Advance(int maxMilliseconds)
    {
        var until = maxMilliseconds == int.MaxValue ? long.MaxValue : Stopwatch.GetTimestamp() + maxMilliseconds * Stopwatch.Frequency / 1000;
        var spinUntil = _started + (long)(Spec.SpinWait.TotalSeconds * Stopwatch.Frequency);
        while (!Done && !YieldRequested)
        {
            CheckClockAndToken();
            if (Done || YieldRequested) break;
            var now = Stopwatch.GetTimestamp();
            if (now >= until) return false;
            if (now < spinUntil)
            {
                // The first microseconds: look without sleeping (a quick command's output and its end
                // usually arrive in separate writes; sleeping between them costs two wake-ups).
                var got = Shell.Pump(0, this);
                CheckCompletion();
                if (!got && !Done) Thread.Yield();
                continue;
            }
            var wait = Math.Min(ToMilliseconds(until - now), Escalation.Started ? Escalation.MillisecondsUntilNext : ToMilliseconds(_deadline - now));
            // Cancellation is noticed within a slice; a short first wait keeps the fast path fast.
            wait = Math.Clamp(wait, 0, SliceMilliseconds);
            var active = Shell.Pump(wait, this);
            CheckCompletion();
            if (!active && !Done) OnIdle();
        }
        return true;
    }

    /// <summary>True when the caller should stop waiting although the command goes on (moved to the background).</summary>
    protected virtual bool YieldRequested => YieldedToBackground;

    /// <summary>A slice passed without output: a place to notice a shell that died without closing its pipes.</summary>
    protected virtual void OnIdle()
    {
    }

    private void CheckClockAndToken()
    {
        if (!Escalation.Started && !TimedOut && Stopwatch.GetTimestamp() >= _deadline)
        {
            TimedOut = true;
            if (Spec.OnTimeout == TimeoutAction.Background && TryMoveToBackground())
            {
                _deadline = long.MaxValue; // a background job has no timeout; Stop-KaiProcess ends it
                return;
            }
            Escalation.Begin();
        }
        if (!Escalation.Started && Token.IsCancellationRequested)
        {
            Cancelled = true;
            Escalation.Begin();
        }
        if (!Escalation.Started) return;
        Escalation.Tick();
        if (Escalation.ResetRequested) ResetShell();
    }

    protected (CapturedOutput Output, CapturedOutput Error) FinishCaptures()
    {
        var output = _captures[0].Finish();
        var error = _captures[1].Finish();
        _forwarders[0]?.Finish(output);
        _forwarders[1]?.Finish(error);
        return (output, error);
    }

    /// <summary>Output so far (for a background job; the captures keep filling).</summary>
    public (CapturedOutput Output, CapturedOutput Error) Snapshot()
    {
        lock (CaptureLock ?? this) return (_captures[0].Finish(), _captures[1].Finish());
    }

    /// <summary>Stops streaming to the caller's progress sink (the caller has gone; the command goes on).</summary>
    public void StopForwarding()
    {
        _forwarders[0] = null;
        _forwarders[1] = null;
    }

    private static int ToMilliseconds(long stopwatchTicks) =>
        stopwatchTicks <= 0 ? 0 : (int)Math.Min(int.MaxValue, stopwatchTicks * 1000 / Stopwatch.Frequency + 1);
}
