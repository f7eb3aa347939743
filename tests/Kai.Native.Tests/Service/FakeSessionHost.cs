using Xunit;
using System.Collections.Concurrent;
using Kai.Native.Sandbox;
using Kai.Native.Sessions;

namespace Kai.Native.Tests.Service;

/// <summary>
/// An in-memory <see cref="ISessionHost"/> for in-process service tests (no bash, no sandbox):
/// "echo X" prints X; "sleep N" prints a line then waits N seconds, "quiet N" waits without output (both
/// cancellable, graduated cancel = Interrupt);
/// "blocked RULE" fails as if the sandbox's RULE stopped it, unless that rule is relaxed; "fail" exits 1.
/// Every command that actually ran is counted and kept in the session's transcript.
/// </summary>
public sealed class FakeSessionHost : ISessionHost
{
    private readonly ConcurrentDictionary<string, SessionInfo> _sessions = new();
    private readonly ConcurrentDictionary<string, List<CommandRecord>> _transcripts = new();
    private long _nextId;

    public string Description => "fake";
    public ConcurrentQueue<ExecRequest> Ran { get; } = new();
    public bool Disposed { get; private set; }

    public Task<SessionInfo> StartSessionAsync(StartSessionRequest request, CancellationToken cancellationToken)
    {
        var info = new SessionInfo(request.Name, SessionState.Idle, request.Workspace ?? "/work/" + request.Name, request.Workspace ?? "/work/" + request.Name,
            "fake", DateTimeOffset.Now, null, 0, null, "fake");
        if (!_sessions.TryAdd(request.Name, info))
            throw new KaiException("SessionExists", KaiErrorKind.ResourceExists, $"A session named '{request.Name}' exists already.", request.Name);
        _transcripts[request.Name] = new List<CommandRecord>();
        return Task.FromResult(info);
    }

    public Task<IReadOnlyList<SessionInfo>> GetSessionsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SessionInfo>>(_sessions.Values.OrderBy(s => s.Name).ToList());

    public Task<SessionInfo> StopSessionAsync(string name, CancellationToken cancellationToken)
    {
        var info = Find(name) with { State = SessionState.Stopped };
        _sessions[name] = info;
        return Task.FromResult(info);
    }

    public Task RemoveSessionAsync(string name, CancellationToken cancellationToken)
    {
        Find(name);
        _sessions.TryRemove(name, out _);
        _transcripts.TryRemove(name, out _);
        return Task.CompletedTask;
    }

    public async Task<ExecResult> ExecAsync(ExecRequest request, IProgress<OutputChunk>? output, CancellationToken cancellationToken)
    {
        var session = Find(request.Session);
        Ran.Enqueue(request);
        var started = DateTimeOffset.Now;
        var words = request.Command.Split(' ', 2);
        string stdout = "", stderr = "";
        int? exit = 0;
        var cancelled = false;
        string? blockedBy = null;
        switch (words[0])
        {
            case "echo":
                stdout = (words.Length > 1 ? words[1] : "") + "\n";
                output?.Report(new OutputChunk(OutputStream.StandardOutput, stdout));
                break;
            case "sleep":
                output?.Report(new OutputChunk(OutputStream.StandardOutput, "sleeping\n"));
                stdout = "sleeping\n";
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(double.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                    exit = 130;
                }
                break;
            case "quiet":
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(double.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                    exit = 130;
                }
                break;
            case "blocked":
                if (request.RelaxRule == words[1])
                {
                    stdout = "ran with " + words[1] + " lifted\n";
                }
                else
                {
                    blockedBy = words[1];
                    stderr = "Permission denied\n";
                    exit = 1;
                }
                break;
            case "fail":
                exit = 1;
                break;
            default:
                stdout = request.Command + "\n";
                break;
        }
        var duration = DateTimeOffset.Now - started;
        var id = Interlocked.Increment(ref _nextId);
        lock (_transcripts[request.Session])
            _transcripts[request.Session].Add(new CommandRecord(id, request.Session, started, request.Command, exit, duration, stdout, stderr, cancelled));
        _sessions[request.Session] = session with { CommandCount = session.CommandCount + 1, LastUsed = DateTimeOffset.Now };
        return new ExecResult(request.Session, request.Command, stdout, stderr, exit, false, cancelled, cancelled ? CancelStep.Interrupt : CancelStep.None,
            false, false, duration, session.WorkingDirectory, BlockedBy: blockedBy);
    }

    public Task<IReadOnlyList<BackgroundProcessInfo>> GetProcessesAsync(string? session, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BackgroundProcessInfo>>(Array.Empty<BackgroundProcessInfo>());

    public Task<BackgroundOutput> ReceiveProcessAsync(string id, CancellationToken cancellationToken) => throw NoProcess(id);
    public Task<BackgroundProcessInfo> StopProcessAsync(string id, CancellationToken cancellationToken) => throw NoProcess(id);
    public Task<BackgroundProcessInfo> WaitProcessAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken) => throw NoProcess(id);

    public Task<SessionTranscript> GetTranscriptAsync(string session, CancellationToken cancellationToken)
    {
        Find(session);
        lock (_transcripts[session]) return Task.FromResult(new SessionTranscript(session, "", _transcripts[session].ToList()));
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    private SessionInfo Find(string name) =>
        _sessions.TryGetValue(name, out var info) ? info : throw new KaiException("SessionNotFound", KaiErrorKind.ObjectNotFound, $"No session named '{name}'.", name);

    private static KaiException NoProcess(string id) => new("ProcessNotFound", KaiErrorKind.ObjectNotFound, $"No background process '{id}'.", id);
}
