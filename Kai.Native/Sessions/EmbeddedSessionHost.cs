using Kai.Native.Platform;
using Kai.Native.Sandbox;

namespace Kai.Native.Sessions;

/// <summary>Where and how the embedded (in-process) host keeps sessions.</summary>
public sealed record EmbeddedHostOptions
{
    /// <summary>kai.db and per-session homes live here ($KAI_DATA_DIR, else ~/.local/share/kai).</summary>
    public required string DataDirectory { get; init; }
    /// <summary>Sandbox used when a session does not choose one; KAI_SANDBOX=off maps to None.</summary>
    public SandboxKind DefaultSandbox { get; init; } = SandboxKind.Auto;
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaximumTimeout { get; init; } = TimeSpan.FromSeconds(600);
    public int OutputCap { get; init; } = 15_000;

    public static EmbeddedHostOptions ForCurrentUser() => new() { DataDirectory = KaiPaths.UserDataDirectory() };
}

/// <summary>
/// The in-process <see cref="ISessionHost"/>: live shells in this process, records in kai.db.
/// SCAFFOLD: the sessions work replaces this file with the real host.
/// </summary>
public sealed class EmbeddedSessionHost(EmbeddedHostOptions options) : ISessionHost
{
    public EmbeddedHostOptions Options { get; } = options;
    public string Description => "embedded";

    private static NotImplementedException Todo() => new("Sessions are not built yet.");

    public Task<SessionInfo> StartSessionAsync(StartSessionRequest request, CancellationToken cancellationToken) => throw Todo();
    public Task<IReadOnlyList<SessionInfo>> GetSessionsAsync(CancellationToken cancellationToken) => throw Todo();
    public Task<SessionInfo> StopSessionAsync(string name, CancellationToken cancellationToken) => throw Todo();
    public Task RemoveSessionAsync(string name, CancellationToken cancellationToken) => throw Todo();
    public Task<ExecResult> ExecAsync(ExecRequest request, IProgress<OutputChunk>? output, CancellationToken cancellationToken) => throw Todo();
    public Task<IReadOnlyList<BackgroundProcessInfo>> GetProcessesAsync(string? session, CancellationToken cancellationToken) => throw Todo();
    public Task<BackgroundOutput> ReceiveProcessAsync(string id, CancellationToken cancellationToken) => throw Todo();
    public Task<BackgroundProcessInfo> StopProcessAsync(string id, CancellationToken cancellationToken) => throw Todo();
    public Task<BackgroundProcessInfo> WaitProcessAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken) => throw Todo();
    public Task<SessionTranscript> GetTranscriptAsync(string session, CancellationToken cancellationToken) => throw Todo();
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
