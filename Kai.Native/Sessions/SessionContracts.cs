namespace Kai.Native.Sessions;

public enum SessionState { Idle, Busy, Stopped }

/// <summary>A session as the user sees it: the durable record plus the live shell's state, if any.</summary>
public sealed record SessionInfo(
    string Name,
    SessionState State,
    string Workspace,
    string WorkingDirectory,
    string Sandbox,
    DateTimeOffset Created,
    DateTimeOffset? LastUsed,
    int CommandCount,
    int? ShellProcessId,
    string Host);

public sealed record StartSessionRequest(
    string Name,
    string? Workspace = null,
    string? PolicyPath = null,
    Sandbox.SandboxKind Sandbox = Kai.Native.Sandbox.SandboxKind.Auto);

public enum ExecMode { Persistent, Fresh, Background }

public enum TimeoutAction { Cancel, Background }

/// <summary>Which step of the graduated cancel ended a command.</summary>
public enum CancelStep { None, Interrupt, Terminate, Kill, ShellReset }

/// <param name="RelaxRule">
/// An approved re-run: the id of one sandbox rule (as reported in <see cref="ExecResult.BlockedBy"/>) to lift
/// for this command only. The command then runs as a Fresh command under the session's policy minus that rule.
/// </param>
public sealed record ExecRequest(
    string Session,
    string Command,
    ExecMode Mode = ExecMode.Persistent,
    string? WorkingDirectory = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    byte[]? StandardInput = null,
    TimeSpan? Timeout = null,
    TimeoutAction OnTimeout = TimeoutAction.Cancel,
    int? OutputCap = null,
    string? RelaxRule = null);

public enum OutputStream { StandardOutput, StandardError }

/// <summary>A piece of output as it arrives (for Enter-KaiSession, kai shell and the API's streaming).</summary>
public readonly record struct OutputChunk(OutputStream Stream, string Text);

/// <param name="BlockedBy">When the sandbox stopped the command: the rule id that did (e.g. "network", "write-deny:/ws/.git/hooks", "write-allow:/etc/x", "read-deny:/root/.ssh").</param>
/// <param name="ApprovalId">When the service held the command for approval: the pending approval's id (nothing ran).</param>
public sealed record ExecResult(
    string Session,
    string Command,
    string Output,
    string Error,
    int? ExitCode,
    bool TimedOut,
    bool Cancelled,
    CancelStep CancelledBy,
    bool Truncated,
    bool ShellRestarted,
    TimeSpan Duration,
    string WorkingDirectory,
    string? BackgroundProcessId = null,
    string? BlockedBy = null,
    string? ApprovalId = null)
{
    /// <summary>The raw bytes of <see cref="Output"/> (capped), only when they are not valid UTF-8 (binary output).</summary>
    public byte[]? OutputBytes { get; init; }
    /// <summary>The raw bytes of <see cref="Error"/> (capped), only when they are not valid UTF-8.</summary>
    public byte[]? ErrorBytes { get; init; }
    /// <summary>What the engine itself has to say about the run (the shell exited and will be replaced, moved to the background, …).</summary>
    public string? Notice { get; init; }
}

public enum BackgroundState { Running, Exited, Killed }

public sealed record BackgroundProcessInfo(
    string Id,
    string Session,
    string Command,
    BackgroundState State,
    int? ExitCode,
    DateTimeOffset Started,
    DateTimeOffset? Ended,
    int? ProcessId);

public sealed record BackgroundOutput(string Id, string Output, string Error, bool Truncated, BackgroundState State, int? ExitCode);

public sealed record CommandRecord(
    long Id,
    string Session,
    DateTimeOffset Started,
    string Command,
    int? ExitCode,
    TimeSpan Duration,
    string OutputTail,
    string ErrorTail,
    bool Interrupted);

public sealed record SessionTranscript(string Session, string Screen, IReadOnlyList<CommandRecord> Commands);

/// <summary>
/// Everything the session cmdlets, `kai shell` and the API do. Two implementations: the embedded host
/// (in-process, SQLite under the user's data dir) and the client of a running `kai serve`.
/// Cancelling an exec's token runs the graduated cancel and returns a result; it does not throw.
/// </summary>
public interface ISessionHost : IAsyncDisposable
{
    /// <summary>"embedded" or the service address, for display.</summary>
    string Description { get; }
    Task<SessionInfo> StartSessionAsync(StartSessionRequest request, CancellationToken cancellationToken);
    Task<IReadOnlyList<SessionInfo>> GetSessionsAsync(CancellationToken cancellationToken);
    Task<SessionInfo> StopSessionAsync(string name, CancellationToken cancellationToken);
    Task RemoveSessionAsync(string name, CancellationToken cancellationToken);
    Task<ExecResult> ExecAsync(ExecRequest request, IProgress<OutputChunk>? output, CancellationToken cancellationToken);
    Task<IReadOnlyList<BackgroundProcessInfo>> GetProcessesAsync(string? session, CancellationToken cancellationToken);
    Task<BackgroundOutput> ReceiveProcessAsync(string id, CancellationToken cancellationToken);
    Task<BackgroundProcessInfo> StopProcessAsync(string id, CancellationToken cancellationToken);
    Task<BackgroundProcessInfo> WaitProcessAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken);
    Task<SessionTranscript> GetTranscriptAsync(string session, CancellationToken cancellationToken);
}
