using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Kai.Native.Sandbox;
using Kai.Native.Store;

namespace Kai.Native.Sessions;

/// <summary>
/// The in-process <see cref="ISessionHost"/>: live shells in this process, records in kai.db under
/// <see cref="EmbeddedHostOptions.DataDirectory"/> (kai.db, sessions/&lt;name&gt;/home, sessions/&lt;name&gt;/tmp).
/// Thread-safe. A session's persistent-shell commands run one at a time: a second concurrent exec on the
/// same session waits for the first (in arrival order; its timeout starts when it runs; cancelling it
/// while it waits returns a Cancelled result without running anything). Fresh and background commands
/// have their own sandboxes and never wait. One host process owns a session at a time (a lock file);
/// another process opening it gets <c>SessionInUse</c>.
/// </summary>
public sealed class EmbeddedSessionHost : ISessionHost
{
    private const int TailLength = 2_000;
    private const int MaxEndedJobs = 200;
    private const string InterruptedNote = "\n[kai: interrupted — the Kai host stopped while this command was running]\n";

    private readonly SessionStore _store;
    private readonly Redactor _redactor;
    private readonly object _gate = new();
    private readonly Dictionary<string, SessionRuntime> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BackgroundJob> _jobs = new(StringComparer.Ordinal);
    private int _disposed;

    public EmbeddedHostOptions Options { get; }
    public string Description => "embedded";

    public EmbeddedSessionHost(EmbeddedHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
            throw new KaiException("InvalidDataDirectory", KaiErrorKind.InvalidArgument, "The data directory is empty.", options.DataDirectory);
        if (options.DefaultTimeout <= TimeSpan.Zero || options.DefaultTimeout > options.MaximumTimeout)
            throw new KaiException("InvalidTimeout", KaiErrorKind.InvalidArgument,
                $"The default timeout ({options.DefaultTimeout.TotalSeconds} s) must be positive and at most the maximum ({options.MaximumTimeout.TotalSeconds} s).", "DefaultTimeout");
        Options = options with { DataDirectory = Path.GetFullPath(options.DataDirectory) };
        if (!Directory.Exists(Options.DataDirectory))
            Directory.CreateDirectory(Options.DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _redactor = options.Redactor ?? Redactor.FromEnvironment();
        _store = new SessionStore(new KaiDatabase(Path.Combine(Options.DataDirectory, "kai.db")));
        RecoverInterrupted();
    }

    /// <summary>The store behind this host (the service shares kai.db with it).</summary>
    public SessionStore Store => _store;

    // ---- sessions ------------------------------------------------------------------------------------

    public async Task<SessionInfo> StartSessionAsync(StartSessionRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(request);
        var name = SessionNames.Validate(request.Name);
        var workspace = request.Workspace is null ? null : ResolveWorkspace(request.Workspace);
        var policyPath = request.PolicyPath is null ? null : Path.GetFullPath(request.PolicyPath);
        if (policyPath is not null && !File.Exists(policyPath))
            throw new KaiException("PolicyNotFound", KaiErrorKind.ObjectNotFound, $"The policy file '{policyPath}' does not exist.", policyPath);

        var existing = _store.Get(name);
        var created = false;
        if (existing is null)
        {
            var paths = SessionPaths.For(Options.DataDirectory, name, workspace);
            // Resolve the sandbox before anything is written: an unusable sandbox leaves nothing behind.
            SessionSandbox.Backend(SessionSandbox.Effective(request.Sandbox, Options), Options);
            SessionSandbox.Policy(policyPath, SessionSandbox.Context(paths, Options), Options);
            paths.Create();
            _store.Create(new SessionRecord(name, paths.Workspace, request.Sandbox.ToString(), policyPath, DateTimeOffset.UtcNow,
                null, paths.Workspace, null, 0, false));
            created = true;
        }
        else
        {
            if (workspace is not null && workspace != existing.Workspace)
                throw Conflict(name, $"its workspace is '{existing.Workspace}', not '{workspace}'");
            if (policyPath is not null && policyPath != existing.PolicyPath)
                throw Conflict(name, $"its policy is '{existing.PolicyPath ?? "the default policy"}', not '{policyPath}'");
            if (request.Sandbox != SandboxKind.Auto && request.Sandbox.ToString() != existing.Sandbox)
                throw Conflict(name, $"its sandbox is {existing.Sandbox}, not {request.Sandbox}");
        }

        try
        {
            var runtime = Open(name);
            await runtime.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                EnsureShell(runtime);
            }
            finally
            {
                runtime.Gate.Release();
            }
            return Info(runtime.Record, runtime);
        }
        catch when (created)
        {
            // A session that could not start is not left behind half made.
            await DiscardAsync(name).ConfigureAwait(false);
            throw;
        }
    }

    public Task<IReadOnlyList<SessionInfo>> GetSessionsAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        IReadOnlyList<SessionInfo> result = _store.List().Select(record => Info(record, Live(record.Name))).ToList();
        return Task.FromResult(result);
    }

    public async Task<SessionInfo> StopSessionAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        name = SessionNames.Validate(name);
        var record = _store.Get(name) ?? throw SessionNames.NotFound(name);
        await CloseAsync(name, cancellationToken).ConfigureAwait(false);
        await _store.FlushAsync().ConfigureAwait(false);
        return Info(_store.Get(name) ?? record, null);
    }

    public async Task RemoveSessionAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        name = SessionNames.Validate(name);
        var record = _store.Get(name) ?? throw SessionNames.NotFound(name);
        await CloseAsync(name, cancellationToken).ConfigureAwait(false);
        var paths = SessionPaths.For(Options.DataDirectory, name, record.Workspace);
        using (var sessionLock = SessionRuntime.TryLock(paths))
        {
            if (sessionLock is null) throw InUse(name);
        }
        await DiscardAsync(name).ConfigureAwait(false);
    }

    public async Task<SessionTranscript> GetTranscriptAsync(string session, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        session = SessionNames.Validate(session);
        if (_store.Get(session) is null) throw SessionNames.NotFound(session);
        await _store.FlushAsync().ConfigureAwait(false);
        return new SessionTranscript(session, _store.Screen(session), _store.Commands(session));
    }

    // ---- exec ------------------------------------------------------------------------------------------

    public async Task<ExecResult> ExecAsync(ExecRequest request, IProgress<OutputChunk>? output, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(request);
        var name = SessionNames.Validate(request.Session);
        var spec = Spec(request, output, cancellationToken);
        while (true)
        {
            var runtime = Open(name);
            if (request.RelaxRule is { } rule)
            {
                // An approved re-run: the command alone, fresh, under the session's policy minus exactly that rule.
                var launch = runtime.Launch ??= ResolveLaunch(runtime);
                if (launch.Backend.Kind == SandboxKind.None)
                    throw new KaiException("SandboxRuleNotFound", KaiErrorKind.InvalidOperation,
                        $"The session '{name}' runs without a sandbox, so there is no rule '{rule}' to lift.", rule);
                return await FreshAsync(runtime, request, spec, launch.Policy.Relax(rule)).ConfigureAwait(false);
            }
            switch (request.Mode)
            {
                case ExecMode.Fresh:
                    return await FreshAsync(runtime, request, spec).ConfigureAwait(false);
                case ExecMode.Background:
                    return StartBackground(runtime, request, spec);
                default:
                    var result = await PersistentAsync(runtime, request, spec).ConfigureAwait(false);
                    if (result is not null) return result;
                    break; // the session was stopped while we waited: open it again
            }
        }
    }

    private CommandSpec Spec(ExecRequest request, IProgress<OutputChunk>? output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request.Command);
        ShellFraming.ValidateRequest(request.Command, request.WorkingDirectory, request.Environment);
        var timeout = request.Timeout ?? Options.DefaultTimeout;
        if (timeout <= TimeSpan.Zero)
            throw new KaiException("InvalidTimeout", KaiErrorKind.InvalidArgument, $"The timeout must be positive (got {timeout.TotalSeconds} s).", "Timeout");
        if (timeout > Options.MaximumTimeout)
            throw new KaiException("TimeoutTooLong", KaiErrorKind.InvalidArgument,
                $"The timeout of {timeout.TotalSeconds:0.###} s is above the maximum of {Options.MaximumTimeout.TotalSeconds:0.###} s.", "Timeout")
            {
                RecommendedAction = "Use a shorter timeout, -OnTimeout Background, or -Background for long-running commands.",
            };
        var cap = request.OutputCap ?? Options.OutputCap;
        if (cap < 64 || cap > Options.MaximumOutputCap)
            throw new KaiException("InvalidOutputCap", KaiErrorKind.InvalidArgument,
                $"The output cap must be between 64 and {Options.MaximumOutputCap:N0} characters (got {cap:N0}).", "OutputCap");
        return new CommandSpec(request.Command, request.WorkingDirectory, request.Environment, request.StandardInput, timeout,
            request.OnTimeout, cap, output, cancellationToken, request.Mode == ExecMode.Persistent ? Options.SpinWait : TimeSpan.Zero);
    }

    /// <summary>Runs one command in the session's shell; null when the session was closed while waiting its turn.</summary>
    private async Task<ExecResult?> PersistentAsync(SessionRuntime runtime, ExecRequest request, CommandSpec spec)
    {
        try
        {
            await runtime.Gate.WaitAsync(spec.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return NotStarted(runtime, request, "cancelled while waiting for the session's previous command to finish");
        }
        InputFifo? input = null;
        try
        {
            if (runtime.Closed) return null;
            var restarted = EnsureShell(runtime);
            var shell = runtime.Shell!;
            if (request.StandardInput is { } bytes) input = new InputFifo(runtime.Paths.Control, bytes);
            var entry = StartEntry(runtime, "persistent", request, shell.WorkingDirectory ?? runtime.WorkingDirectory);
            runtime.Busy = true;
            var run = shell.Begin(spec, input?.Path);
            await DriveAsync(run).ConfigureAwait(false);
            shell.Complete(run);
            string? rebuilt = null;
            for (var rebuilds = 1; shell.ReplacedPath is { } replaced; rebuilds++)
            {
                // The command did not run: the host replaced a path this sandbox hid, and its mount is gone. A new
                // sandbox (mounts made afresh, working directory and exports restored) runs it instead.
                shell.Dispose();
                runtime.Shell = null;
                runtime.RestartPending = true;
                if (rebuilds > PersistentShell.MaxIntegrityAttempts)
                {
                    var refused = PersistentShell.IntegrityLost(replaced, rebuilds - 1);
                    await FinishAsync(runtime, entry, request, NotRunOutcome(runtime, refused.Message), restarted: true).ConfigureAwait(false);
                    throw refused;
                }
                rebuilt = $"sandbox rebuilt: {replaced} was replaced on the host, so the command ran in a new sandbox with the working directory and exported variables restored.";
                try
                {
                    EnsureShell(runtime);
                }
                catch (KaiException e)
                {
                    await FinishAsync(runtime, entry, request, NotRunOutcome(runtime, e.Message), restarted: true).ConfigureAwait(false);
                    throw;
                }
                restarted = true;
                shell = runtime.Shell!;
                run = shell.Begin(spec, input?.Path);
                await DriveAsync(run).ConfigureAwait(false);
                shell.Complete(run);
            }

            if (run.MovedToBackground)
            {
                var process = shell.GiveAway();
                runtime.Shell = null;
                runtime.RestartPending = true;
                var job = Adopt(runtime.Name, entry, run, process, () => run.Status, input);
                input = null; // the job keeps feeding it until the command ends
                var (soFar, errorsSoFar) = run.Snapshot();
                var moved = new RunOutcome(soFar, errorsSoFar, null, true, false, CancelStep.None, run.Elapsed, runtime.WorkingDirectory,
                    false, $"Still running after {spec.Timeout.TotalSeconds:0.###} s: moved to the background as process {job.Id} (Receive-KaiProcess, Stop-KaiProcess). The session continues in a new shell.",
                    MovedToBackground: job);
                return await FinishAsync(runtime, entry, request, moved, restarted).ConfigureAwait(false);
            }

            string? notice = null;
            if (run.ShellWasReset)
                notice = "The command did not end after SIGINT, SIGTERM and SIGKILL, so the shell was reset. The next command starts a new shell with the last working directory and exported variables restored.";
            else if (run.ShellEnded)
                notice = $"The shell exited (status {run.Status?.ToString() ?? "unknown"}). The next command starts a new shell with the last working directory and exported variables restored.";
            else if (run.StderrBroken)
                notice = "The shell lost its standard error; the next command starts a new shell with the working directory and exported variables restored.";
            if (rebuilt is not null) notice = notice is null ? rebuilt : rebuilt + " " + notice;
            var outcome = run.Outcome(notice);
            if (shell.Broken)
            {
                shell.Dispose();
                runtime.Shell = null;
                runtime.RestartPending = true;
            }
            return await FinishAsync(runtime, entry, request, outcome, restarted).ConfigureAwait(false);
        }
        finally
        {
            runtime.Busy = false;
            input?.Dispose();
            runtime.Gate.Release();
        }
    }

    private async Task<ExecResult> FreshAsync(SessionRuntime runtime, ExecRequest request, CommandSpec spec, SandboxPolicy? relaxed = null)
    {
        // A command that may move to the background gets its own session from the start, like a background job.
        var (process, directory) = StartOneShot(runtime, request, relaxed, detached: request.OnTimeout == TimeoutAction.Background);
        var entry = StartEntry(runtime, relaxed is null ? "fresh" : "relaxed " + request.RelaxRule, request, directory);
        var run = new OneShotRun(process, spec, _redactor, Options.CancelGrace);
        var handedOver = false;
        try
        {
            await DriveAsync(run).ConfigureAwait(false);
            if (run.MovedToBackground)
            {
                handedOver = true;
                var job = Adopt(runtime.Name, entry, run, process, () => run.ExitCode);
                var (soFar, errorsSoFar) = run.Snapshot();
                var moved = new RunOutcome(soFar, errorsSoFar, null, true, false, CancelStep.None, run.Elapsed, directory, false,
                    $"Still running after {spec.Timeout.TotalSeconds:0.###} s: moved to the background as process {job.Id} (Receive-KaiProcess, Stop-KaiProcess).",
                    MovedToBackground: job);
                return await FinishAsync(runtime, entry, request, moved, false, relaxed).ConfigureAwait(false);
            }
            return await FinishAsync(runtime, entry, request, run.Outcome(directory), false, relaxed).ConfigureAwait(false);
        }
        finally
        {
            if (!handedOver) process.Dispose();
        }
    }

    private ExecResult StartBackground(SessionRuntime runtime, ExecRequest request, CommandSpec spec)
    {
        var started = Stopwatch.GetTimestamp();
        var (process, directory) = StartOneShot(runtime, request, detached: true);
        var entry = StartEntry(runtime, "background", request, directory, markResponding: false);
        // A background job has no timeout and streams to nobody; Stop-KaiProcess ends it.
        var run = new OneShotRun(process, spec with { Timeout = Timeout.InfiniteTimeSpan, Progress = null, CancellationToken = CancellationToken.None },
            _redactor, Options.CancelGrace);
        var job = Adopt(runtime.Name, entry, run, process, () => run.ExitCode);
        var command = _redactor.Redact(request.Command);
        _store.CommandDetached(entry, TimeSpan.Zero, $"{Prompt(directory)}{command}\n[kai: started in the background as process {job.Id}]\n");
        runtime.CountCommand();
        runtime.LastUsed = DateTimeOffset.UtcNow;
        return new ExecResult(runtime.Name, command, "", "", null, false, false, CancelStep.None, false, false,
            Stopwatch.GetElapsedTime(started), directory, BackgroundProcessId: job.Id);
    }

    /// <summary>Starts `bash -c COMMAND` in a sandbox of its own (fresh or background).</summary>
    private (ShellProcess Process, string Directory) StartOneShot(SessionRuntime runtime, ExecRequest request, SandboxPolicy? policy = null,
        bool detached = false)
    {
        var launch = runtime.Launch ??= ResolveLaunch(runtime);
        var directory = request.WorkingDirectory ?? runtime.Shell?.WorkingDirectory ?? runtime.WorkingDirectory ?? runtime.Paths.Workspace;
        if (!Directory.Exists(directory) && request.WorkingDirectory is null) directory = runtime.Paths.Workspace;
        if (!Directory.Exists(directory))
            throw new KaiException("WorkingDirectoryNotFound", KaiErrorKind.ObjectNotFound, $"The working directory '{directory}' does not exist.", directory);
        // Per-call variables are set by the shell itself (as in a persistent session), so they reach the
        // command even when the sandbox's allow-list would not pass them from the environment.
        var script = request.Environment is { Count: > 0 } variables
            ? "export " + string.Join(' ', variables.Select(v => v.Key + "=" + ShellFraming.Quote(v.Value))) + "\n" + request.Command
            : request.Command;
        var process = ShellProcess.Start(launch.Backend, policy ?? launch.Policy, [launch.BashPath, "--noprofile", "--norc", "-c", script],
            directory, launch.Environment, newSession: detached);
        process.SupplyInput(request.StandardInput);
        return (process, directory);
    }

    private BackgroundJob Adopt(string session, CommandEntry entry, ProcessRun run, ShellProcess process, Func<int?> exitCode, IDisposable? attachment = null)
    {
        string id;
        do
        {
            id = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        } while (_jobs.ContainsKey(id));
        var job = new BackgroundJob(id, session, entry.Command, run, process, exitCode, _redactor)
        {
            OnEnded = (ended, summary) =>
            {
                attachment?.Dispose();
                RecordJobEnd(entry, ended, summary);
            },
        };
        _jobs[id] = job;
        job.Start();
        PruneJobs();
        return job;
    }

    private void RecordJobEnd(CommandEntry entry, BackgroundJob job, RunSummary summary)
    {
        var output = _redactor.Redact(summary.Output.Text);
        var error = _redactor.Redact(summary.Error.Text);
        var status = job.State == BackgroundState.Killed ? "killed" : "completed";
        var line = $"[kai: background process {job.Id} ({Shorten(entry.Command, 60)}) {(job.State == BackgroundState.Killed ? "was stopped" : "ended")}" +
                   $"{(job.ExitCode is { } code ? $", exit {code}" : "")}]\n";
        _store.BackgroundEnded(entry, new CommandCompletion(job.ExitCode, summary.Duration, Tail(output), Tail(error), status, null,
            summary.Output.Truncated || summary.Error.Truncated, false, null, line, null, false));
    }

    private void PruneJobs()
    {
        var ended = _jobs.Values.Where(j => j.State != BackgroundState.Running).OrderBy(j => j.Ended).ToList();
        for (var i = 0; i < ended.Count - MaxEndedJobs; i++)
        {
            if (_jobs.TryRemove(ended[i].Id, out var removed)) removed.Dispose();
        }
    }

    private static async Task DriveAsync(ProcessRun run, int inlineMilliseconds)
    {
        // Most commands end within microseconds: wait for them right here. Only a long one moves to a
        // wait thread (never a pool thread blocked in poll for seconds).
        if (run.Advance(inlineMilliseconds)) return;
        await WaitThreads.Run(run).ConfigureAwait(false);
    }

    private Task DriveAsync(ProcessRun run) => DriveAsync(run, (int)Math.Ceiling(Options.InlineWait.TotalMilliseconds));

    private CommandEntry StartEntry(SessionRuntime runtime, string mode, ExecRequest request, string? directory, bool markResponding = true)
    {
        var entry = new CommandEntry
        {
            Session = runtime.Name,
            Started = DateTimeOffset.UtcNow,
            Mode = mode,
            Command = _redactor.Redact(request.Command),
            WorkingDirectory = request.WorkingDirectory ?? directory,
        };
        // A durable host has the in-flight row committed right away: a crash a moment later still finds it.
        _store.CommandStarted(entry, markResponding, urgent: Options.AcknowledgeAfterCommit);
        return entry;
    }

    private async Task<ExecResult> FinishAsync(SessionRuntime runtime, CommandEntry entry, ExecRequest request, RunOutcome outcome, bool restarted,
        SandboxPolicy? policyUsed = null)
    {
        var output = _redactor.Redact(outcome.Output.Text);
        var error = _redactor.Redact(outcome.Error.Text);
        var outputBytes = outcome.Output.Bytes is { } ob ? _redactor.Redact(ob) : null;
        var errorBytes = outcome.Error.Bytes is { } eb ? _redactor.Redact(eb) : null;
        var directory = outcome.WorkingDirectory ?? runtime.WorkingDirectory ?? runtime.Paths.Workspace;
        if (request.Mode == ExecMode.Persistent && outcome.WorkingDirectory is { Length: > 0 } cwd) runtime.WorkingDirectory = cwd;

        string? exports = null;
        var updateExports = false;
        if (outcome.ExportDump is { } dump)
        {
            exports = ShellFraming.FilterExports(dump, _redactor, out _);
            if (exports != runtime.Exports)
            {
                runtime.Exports = exports;
                updateExports = true;
            }
        }
        var truncated = outcome.Output.Truncated || outcome.Error.Truncated;
        var screen = Screen(directory: entry.WorkingDirectory ?? directory, entry.Command, output, error, outcome);
        Task write;
        if (outcome.MovedToBackground is not null)
        {
            write = _store.CommandDetached(entry, outcome.Duration, screen, Options.AcknowledgeAfterCommit);
        }
        else
        {
            var status = outcome.TimedOut ? "timed_out" : outcome.Cancelled ? "cancelled" : outcome.ShellEnded && request.Mode == ExecMode.Persistent ? "shell_ended" : "completed";
            write = _store.CommandFinished(entry, new CommandCompletion(outcome.ExitCode, outcome.Duration, Tail(output), Tail(error), status,
                outcome.CancelledBy == CancelStep.None ? null : outcome.CancelledBy.ToString(), truncated, restarted,
                request.Mode == ExecMode.Persistent ? outcome.WorkingDirectory : null, screen, exports, updateExports), Options.AcknowledgeAfterCommit);
        }
        runtime.CountCommand();
        runtime.LastUsed = DateTimeOffset.UtcNow;
        runtime.HasHistory = true;
        if (Options.AcknowledgeAfterCommit) await write.ConfigureAwait(false);

        return new ExecResult(runtime.Name, entry.Command, output, error, outcome.ExitCode, outcome.TimedOut, outcome.Cancelled,
            outcome.CancelledBy, truncated, restarted, outcome.Duration, directory, outcome.MovedToBackground?.Id,
            BlockedBy(runtime, policyUsed, outcome.ExitCode, error, directory))
        {
            OutputBytes = outputBytes,
            ErrorBytes = errorBytes,
            Notice = outcome.Notice,
        };
    }

    /// <summary>When a sandboxed command failed the way the sandbox makes commands fail: the rule that did it.</summary>
    private static string? BlockedBy(SessionRuntime runtime, SandboxPolicy? policyUsed, int? exitCode, string error, string directory)
    {
        if (exitCode is null or 0 || error.Length == 0 || runtime.Launch is not { } launch || launch.Backend.Kind == SandboxKind.None) return null;
        try
        {
            return SandboxDiagnosis.BlockedBy(policyUsed ?? launch.Policy, exitCode, error, directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null; // a diagnosis is a hint; never fail the command over it
        }
    }

    /// <summary>A persistent command that was refused before it ran (its transcript entry still gets an end).</summary>
    private static RunOutcome NotRunOutcome(SessionRuntime runtime, string why) =>
        new(new CapturedOutput("", null, false, 0), new CapturedOutput("", null, false, 0), null, false, false, CancelStep.None, TimeSpan.Zero, runtime.WorkingDirectory,
            ShellEnded: true, Notice: "Not run: " + why);

    private ExecResult NotStarted(SessionRuntime runtime, ExecRequest request, string why) =>
        new(runtime.Name, _redactor.Redact(request.Command), "", "", null, false, true, CancelStep.None, false, false, TimeSpan.Zero,
            runtime.WorkingDirectory ?? runtime.Paths.Workspace)
        {
            Notice = $"Not run: {why}.",
        };

    /// <summary>What the command looked like on screen, for the transcript.</summary>
    private static string Screen(string directory, string command, string output, string error, RunOutcome outcome)
    {
        var screen = new System.Text.StringBuilder();
        screen.Append(Prompt(directory)).Append(command).Append('\n');
        screen.Append(output);
        if (output.Length > 0 && !output.EndsWith('\n')) screen.Append('\n');
        screen.Append(error);
        if (error.Length > 0 && !error.EndsWith('\n')) screen.Append('\n');
        var status = new List<string>();
        if (outcome.ExitCode is { } code and not 0) status.Add($"exit {code}");
        if (outcome.TimedOut) status.Add("timed out");
        if (outcome.Cancelled) status.Add("cancelled");
        if (outcome.CancelledBy != CancelStep.None) status.Add($"ended by {outcome.CancelledBy}");
        if (status.Count > 0) screen.Append("[kai: ").Append(string.Join(", ", status)).Append("]\n");
        if (outcome.Notice is { } notice) screen.Append("[kai: ").Append(notice).Append("]\n");
        return screen.ToString();
    }

    private static string Prompt(string directory) => $"{directory}$ ";

    private static string Tail(string text) => text.Length <= TailLength ? text : text[^TailLength..];

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    // ---- background processes --------------------------------------------------------------------

    public Task<IReadOnlyList<BackgroundProcessInfo>> GetProcessesAsync(string? session, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (session is not null)
        {
            session = SessionNames.Validate(session);
            if (_store.Get(session) is null) throw SessionNames.NotFound(session);
        }
        IReadOnlyList<BackgroundProcessInfo> result = _jobs.Values
            .Where(job => session is null || job.Session == session)
            .Select(job => job.Info())
            .OrderBy(info => info.Started)
            .ToList();
        return Task.FromResult(result);
    }

    public Task<BackgroundOutput> ReceiveProcessAsync(string id, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return Task.FromResult(Job(id).Output());
    }

    public async Task<BackgroundProcessInfo> StopProcessAsync(string id, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var job = Job(id);
        await job.StopAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return job.Info();
    }

    public async Task<BackgroundProcessInfo> WaitProcessAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var job = Job(id);
        try
        {
            if (timeout is { } limit) await job.Completion.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
            else await job.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still running: the info says so.
        }
        return job.Info();
    }

    private BackgroundJob Job(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _jobs.TryGetValue(id, out var job)
            ? job
            : throw new KaiException("ProcessNotFound", KaiErrorKind.ObjectNotFound, $"There is no background process with id '{id}'.", id)
            {
                RecommendedAction = "Get-KaiProcess lists the background processes of this host.",
            };
    }

    // ---- the live side -----------------------------------------------------------------------------

    private SessionRuntime? Live(string name)
    {
        lock (_gate) return _live.GetValueOrDefault(name);
    }

    /// <summary>The session's runtime in this host, opened (and locked) on first use.</summary>
    private SessionRuntime Open(string name)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_live.TryGetValue(name, out var live)) return live;
            var record = _store.Get(name) ?? throw SessionNames.NotFound(name);
            var paths = SessionPaths.For(Options.DataDirectory, name, record.Workspace);
            var sessionLock = SessionRuntime.TryLock(paths) ?? throw InUse(name);
            try
            {
                paths.Create();
                if (record.Responding) _store.MarkInterrupted(name, InterruptedNote);
                var runtime = new SessionRuntime(record, paths, sessionLock);
                _live[name] = runtime;
                return runtime;
            }
            catch
            {
                sessionLock.Dispose();
                throw;
            }
        }
    }

    private ShellLaunch ResolveLaunch(SessionRuntime runtime)
    {
        var requested = Enum.TryParse<SandboxKind>(runtime.Record.Sandbox, out var kind) ? kind : SandboxKind.Auto;
        var backend = SessionSandbox.Backend(SessionSandbox.Effective(requested, Options), Options);
        var policy = SessionSandbox.Policy(runtime.Record.PolicyPath, SessionSandbox.Context(runtime.Paths, Options), Options);
        // Nothing runs under a policy the probes have not proven on this machine (cached 24 h).
        SessionSandbox.EnsureSafe(policy, backend, Options);
        return SessionSandbox.Launch(backend, policy, runtime.Paths);
    }

    /// <summary>Starts the session's shell when it has none; true when that replaced an earlier one.</summary>
    private bool EnsureShell(SessionRuntime runtime)
    {
        if (runtime.Shell is { IsAlive: true }) return ConsumeRestart(runtime);
        if (runtime.Shell is { } dead)
        {
            dead.Dispose();
            runtime.Shell = null;
            runtime.RestartPending = true;
        }
        var launch = runtime.Launch ??= ResolveLaunch(runtime);
        var fallback = Directory.Exists(runtime.Paths.Workspace) ? runtime.Paths.Workspace : runtime.Paths.Home;
        var shell = PersistentShell.Start(launch, runtime.Exports, runtime.WorkingDirectory ?? fallback, fallback, _redactor, Options.CancelGrace);
        runtime.Shell = shell;
        if (shell.WorkingDirectory is { Length: > 0 } cwd) runtime.WorkingDirectory = cwd;
        if (runtime.HasHistory) runtime.RestartPending = true;
        runtime.HasHistory = true;
        return ConsumeRestart(runtime);
    }

    private static bool ConsumeRestart(SessionRuntime runtime)
    {
        var pending = runtime.RestartPending;
        runtime.RestartPending = false;
        return pending;
    }

    private async Task CloseAsync(string name, CancellationToken cancellationToken)
    {
        var runtime = Live(name);
        if (runtime is not null)
        {
            // Kill first so a running command ends now, then wait for its exec to hand the gate back.
            runtime.Shell?.Kill();
            await runtime.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                lock (_gate) _live.Remove(name);
                runtime.Dispose();
            }
            finally
            {
                runtime.Gate.Release();
            }
        }
        var stops = _jobs.Values.Where(job => job.Session == name && job.State == BackgroundState.Running).Select(job => job.StopAsync());
        await Task.WhenAll(stops).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a session's record, transcript and directories (its workspace only when it is the session's own home).</summary>
    private async Task DiscardAsync(string name)
    {
        var record = _store.Get(name);
        lock (_gate)
        {
            if (_live.Remove(name, out var runtime)) runtime.Dispose();
        }
        foreach (var job in _jobs.Values.Where(j => j.Session == name).ToList())
        {
            if (_jobs.TryRemove(job.Id, out var removed)) removed.Dispose();
        }
        await _store.DeleteAsync(name).ConfigureAwait(false);
        var paths = SessionPaths.For(Options.DataDirectory, name, record?.Workspace);
        try
        {
            DeleteTree(paths.Root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KaiException("SessionRemoveFailed", KaiErrorKind.WriteError,
                $"The session '{name}' was removed, but its directory '{paths.Root}' could not be deleted: {e.Message}", paths.Root, e);
        }
    }

    /// <summary>Deletes a tree a sandboxed shell may have left read-only parts in.</summary>
    private static void DeleteTree(string root)
    {
        if (!Directory.Exists(root)) return;
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            foreach (var directory in Directory.EnumerateDirectories(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                if (new DirectoryInfo(directory).LinkTarget is null)
                    File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            Directory.Delete(root, recursive: true);
        }
    }

    private void RecoverInterrupted()
    {
        foreach (var name in _store.SessionsInFlight())
        {
            if (!SessionNames.IsValid(name)) continue;
            var paths = SessionPaths.For(Options.DataDirectory, name, null);
            // Only when no other live host holds the session: then whatever was in flight died with its host.
            using var sessionLock = SessionRuntime.TryLock(paths);
            if (sessionLock is not null) _store.MarkInterrupted(name, InterruptedNote).Wait();
        }
    }

    private SessionInfo Info(SessionRecord record, SessionRuntime? runtime)
    {
        var shell = runtime?.Shell;
        var state = runtime is null ? SessionState.Stopped
            : runtime.Busy ? SessionState.Busy
            : shell is { IsAlive: true } ? SessionState.Idle
            : SessionState.Stopped;
        int? pid = shell is { IsAlive: true } ? shell.ShellPid is > 0 and var p ? p : shell.LauncherPid : null;
        var sandbox = runtime?.Launch?.Backend.Name ?? record.Sandbox.ToLowerInvariant();
        return new SessionInfo(record.Name, state, record.Workspace,
            runtime?.WorkingDirectory ?? record.LastWorkingDirectory ?? record.Workspace, sandbox, record.Created,
            runtime?.LastUsed ?? record.LastUsed, runtime?.CommandCount ?? record.CommandCount, pid, Description);
    }

    private static string ResolveWorkspace(string workspace)
    {
        var full = Path.GetFullPath(workspace);
        if (!Directory.Exists(full))
            throw new KaiException("WorkspaceNotFound", KaiErrorKind.ObjectNotFound, $"The workspace '{full}' does not exist.", full)
            {
                RecommendedAction = "Create the directory first, or omit -Workspace to use the session's own home.",
            };
        return full;
    }

    private static KaiException Conflict(string name, string why) =>
        new("SessionExists", KaiErrorKind.ResourceExists, $"A session named '{name}' already exists and {why}.", name)
        {
            RecommendedAction = "Start it without those parameters to reopen it, or Remove-KaiSession it first.",
        };

    private static KaiException InUse(string name) =>
        new("SessionInUse", KaiErrorKind.ResourceUnavailable, $"The session '{name}' is open in another Kai process.", name)
        {
            RecommendedAction = "Use it from that process, stop it there, or run `kai serve` so several processes can share sessions.",
        };

    /// <summary>
    /// Tests: die like a killed process — uncommitted writes are lost, locks are released (the kernel
    /// would), shells are killed (they would read EOF and exit) — without any orderly bookkeeping.
    /// </summary>
    internal void SimulateCrash()
    {
        Interlocked.Exchange(ref _disposed, 1);
        _store.Abort();
        List<SessionRuntime> runtimes;
        lock (_gate)
        {
            runtimes = _live.Values.ToList();
            _live.Clear();
        }
        foreach (var runtime in runtimes)
        {
            runtime.Shell?.Kill();
            runtime.ReleaseLock();
        }
        foreach (var job in _jobs.Values) job.StopAsync();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        List<SessionRuntime> runtimes;
        lock (_gate)
        {
            runtimes = _live.Values.ToList();
            _live.Clear();
        }
        foreach (var runtime in runtimes) runtime.Shell?.Kill();
        var jobs = _jobs.Values.ToList();
        await Task.WhenAll(jobs.Select(job => job.StopAsync())).WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        foreach (var runtime in runtimes)
        {
            // Wait (bounded) for a command that was running to hand back its gate before closing.
            await runtime.Gate.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            runtime.Dispose();
        }
        foreach (var job in jobs) job.Dispose();
        await _store.FlushAsync().ConfigureAwait(false);
        _store.Dispose();
    }
}
