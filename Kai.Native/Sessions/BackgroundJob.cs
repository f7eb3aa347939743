namespace Kai.Native.Sessions;

/// <summary>
/// A command running detached in its own sandbox (-Background, or a command whose timeout moved it
/// there): one thread drains its output into a capped head + tail (bounded memory however long it
/// runs) until it ends; status, output so far, stop and wait work from any thread.
/// </summary>
internal sealed class BackgroundJob : IDisposable
{
    private readonly ProcessRun _run;
    private readonly ShellProcess _process;
    private readonly Func<int?> _exitCode;
    private readonly Redactor _redactor;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private Thread? _thread;

    /// <param name="exitCode">How to read the exit code once the run is done (sentinel status or process exit).</param>
    public BackgroundJob(string id, string session, string command, ProcessRun run, ShellProcess process, Func<int?> exitCode, Redactor redactor)
    {
        Id = id;
        Session = session;
        Command = command;
        _run = run;
        _process = process;
        _exitCode = exitCode;
        _redactor = redactor;
        Started = DateTimeOffset.UtcNow;
        run.CaptureLock = _gate;
    }

    public string Id { get; }
    public string Session { get; }
    public string Command { get; }
    public DateTimeOffset Started { get; }
    public DateTimeOffset? Ended { get; private set; }
    public BackgroundState State { get; private set; } = BackgroundState.Running;
    public int? ExitCode { get; private set; }
    public Task Completion => _ended.Task;
    /// <summary>Called once, on the job's thread, when it has ended.</summary>
    public Action<BackgroundJob, RunSummary>? OnEnded { get; init; }

    /// <summary>Starts draining on a thread of its own (the run's first part may already have happened).</summary>
    public void Start()
    {
        _run.ResumeInBackground(_stop.Token);
        _thread = new Thread(Drain) { IsBackground = true, Name = $"kai-job-{Id}" };
        _thread.Start();
    }

    private void Drain()
    {
        RunSummary summary;
        try
        {
            _run.Advance(int.MaxValue);
        }
        finally
        {
            var (output, error) = _run.Snapshot();
            lock (_gate)
            {
                ExitCode = _exitCode();
                State = _run.Cancelled ? BackgroundState.Killed : BackgroundState.Exited;
                Ended = DateTimeOffset.UtcNow;
            }
            summary = new RunSummary(output, error, ExitCode, _run.Cancelled, _run.Elapsed);
            // A persistent shell that went to the background exits once stdin closes; a one-shot is already gone.
            _process.CloseInput();
            _process.Dispose();
        }
        try
        {
            // Recorded before anyone waiting hears of the end, so they find it in the transcript.
            OnEnded?.Invoke(this, summary);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Recording the end is best effort; the job itself has ended either way.
        }
        finally
        {
            _ended.TrySetResult();
        }
    }

    public BackgroundProcessInfo Info()
    {
        lock (_gate)
        {
            int? pid = State == BackgroundState.Running ? _process.LauncherPid : null;
            return new BackgroundProcessInfo(Id, Session, Command, State, ExitCode, Started, Ended, pid);
        }
    }

    public BackgroundOutput Output()
    {
        var (output, error) = _run.Snapshot();
        lock (_gate)
        {
            return new BackgroundOutput(Id, _redactor.Redact(output.Text), _redactor.Redact(error.Text),
                output.Truncated || error.Truncated, State, ExitCode);
        }
    }

    /// <summary>The graduated cancel (SIGINT, SIGTERM, SIGKILL, reset); completes when the job has ended.</summary>
    public Task StopAsync()
    {
        _stop.Cancel();
        return Completion;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _ended.Task.Wait(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}

/// <summary>How a background job ended, for the store.</summary>
internal sealed record RunSummary(CapturedOutput Output, CapturedOutput Error, int? ExitCode, bool Killed, TimeSpan Duration);
