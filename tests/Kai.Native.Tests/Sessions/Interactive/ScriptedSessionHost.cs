using Kai.Native.Sessions;

namespace Kai.Native.Tests.Sessions.Interactive;

/// <summary>
/// An <see cref="ISessionHost"/> for the interactive loop's own tests: one session, commands answered by a
/// script (chunks to stream, then a result), every request recorded.
/// </summary>
internal sealed class ScriptedSessionHost(SessionInfo session, string screen = "") : ISessionHost
{
    public string Description => "scripted";
    public List<ExecRequest> Requests { get; } = new();
    public Func<ExecRequest, IProgress<OutputChunk>?, CancellationToken, Task<ExecResult>> Exec { get; set; } =
        (request, _, _) => Task.FromResult(Result(request));

    public static SessionInfo Session(string name = "build", string cwd = "/ws", int? shellPid = 42) =>
        new(name, SessionState.Idle, "/ws", cwd, "bubblewrap", DateTimeOffset.UnixEpoch, null, 0, shellPid, "scripted");

    public static ExecResult Result(ExecRequest request, string output = "", string error = "", int? exitCode = 0, string cwd = "/ws",
        bool timedOut = false, bool cancelled = false, CancelStep step = CancelStep.None, bool restarted = false) =>
        new(request.Session, request.Command, output, error, exitCode, timedOut, cancelled, step, false, restarted, TimeSpan.FromMilliseconds(3), cwd);

    public Task<ExecResult> ExecAsync(ExecRequest request, IProgress<OutputChunk>? output, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        return Exec(request, output, cancellationToken);
    }

    public Task<IReadOnlyList<SessionInfo>> GetSessionsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SessionInfo>>(new[] { session });

    public Task<SessionTranscript> GetTranscriptAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(new SessionTranscript(name, screen, Array.Empty<CommandRecord>()));

    public Task<SessionInfo> StartSessionAsync(StartSessionRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<SessionInfo> StopSessionAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task RemoveSessionAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<BackgroundProcessInfo>> GetProcessesAsync(string? name, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<BackgroundOutput> ReceiveProcessAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<BackgroundProcessInfo> StopProcessAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<BackgroundProcessInfo> WaitProcessAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken) => throw new NotSupportedException();
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A terminal that reads scripted lines and records everything written, in order.</summary>
internal sealed class RecordingTerminal(params string[] lines) : Kai.Native.Sessions.Interactive.IInteractiveTerminal
{
    private readonly Queue<string> _lines = new(lines);
    public List<string> Prompts { get; } = new();
    public List<string> Events { get; } = new();
    public CancellationTokenSource? Armed { get; private set; }
    public int ArmCount { get; private set; }

    public string Screen => string.Concat(Events);

    public Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken)
    {
        Prompts.Add(prompt);
        Events.Add(prompt);
        return Task.FromResult(_lines.Count > 0 ? _lines.Dequeue() : null);
    }

    public void Write(OutputChunk chunk) =>
        Events.Add(chunk.Stream == OutputStream.StandardError ? "<err>" + chunk.Text + "</err>" : chunk.Text);

    public void WriteStatus(string text) => Events.Add("<status>" + text + "</status>\n");

    public IDisposable InterruptCancels(CancellationTokenSource command)
    {
        Armed = command;
        ArmCount++;
        return new Scope(this);
    }

    private sealed class Scope(RecordingTerminal terminal) : IDisposable
    {
        public void Dispose() => terminal.Armed = null;
    }
}
