using Xunit;
using Kai.Native.Sandbox;
using Kai.Native.Sessions;

namespace Kai.Native.Tests.Sessions;

/// <summary>Whether the real bubblewrap backend can sandbox on this machine.</summary>
internal static class Bubblewrap
{
    public static bool IsUsable { get; } = new BubblewrapBackend().Probe().IsAvailable;

    public static TheoryData<bool> Modes => IsUsable ? new() { false, true } : new() { false };
}

/// <summary>A host on a temporary data dir (deleted afterwards), with short cancel graces so tests stay fast.</summary>
internal sealed class SessionTestHost : IAsyncDisposable
{
    public const string KnownSecret = "kai-test-secret-4f9a1c2e7b";

    private static readonly Lazy<string> s_sharedCache = new(() =>
    {
        var directory = Directory.CreateTempSubdirectory("kai-test-preflight-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return directory;
    });

    private static string SharedPreflightCache => s_sharedCache.Value;

    private SessionTestHost(string dataDirectory, bool sandboxed, EmbeddedSessionHost host, bool ownsDirectory)
    {
        DataDirectory = dataDirectory;
        Sandboxed = sandboxed;
        Host = host;
        _ownsDirectory = ownsDirectory;
    }

    private readonly bool _ownsDirectory;

    public string DataDirectory { get; }
    public bool Sandboxed { get; }
    public EmbeddedSessionHost Host { get; private set; }

    public static SessionTestHost Create(bool sandboxed = false, Func<EmbeddedHostOptions, EmbeddedHostOptions>? configure = null, string? dataDirectory = null)
    {
        var directory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "kai-sessions-" + Guid.NewGuid().ToString("N")[..10]);
        return new SessionTestHost(directory, sandboxed, NewHost(directory, sandboxed, configure), dataDirectory is null);
    }

    public static EmbeddedSessionHost NewHost(string directory, bool sandboxed, Func<EmbeddedHostOptions, EmbeddedHostOptions>? configure = null)
    {
        // Sandboxed: the real bubblewrap backend, the real default policy and the real preflight probes.
        var options = new EmbeddedHostOptions
        {
            DataDirectory = directory,
            DefaultSandbox = sandboxed ? SandboxKind.Bubblewrap : SandboxKind.None,
            CancelGrace = TimeSpan.FromMilliseconds(250),
            Redactor = new Redactor([KnownSecret]),
            // The probes' verdict does not depend on the data dir: prove the default policy once per test run.
            PreflightCacheDirectory = SharedPreflightCache,
        };
        return new EmbeddedSessionHost(configure is null ? options : configure(options));
    }

    /// <summary>Disposes the current host and opens a new one on the same data dir (a process restart, as far as the store goes).</summary>
    public async Task RestartAsync(Func<EmbeddedHostOptions, EmbeddedHostOptions>? configure = null)
    {
        await Host.DisposeAsync();
        Host = NewHost(DataDirectory, Sandboxed, configure);
    }

    public Task<SessionInfo> StartAsync(string name, string? workspace = null) =>
        Host.StartSessionAsync(new StartSessionRequest(name, workspace), CancellationToken.None);

    public Task<ExecResult> RunAsync(string session, string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Host.ExecAsync(new ExecRequest(session, command, Timeout: timeout), null, cancellationToken);

    public Task<ExecResult> RunAsync(ExecRequest request, IProgress<OutputChunk>? progress = null, CancellationToken cancellationToken = default) =>
        Host.ExecAsync(request, progress, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_ownsDirectory && Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
    }
}

/// <summary>Collects progress chunks synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class ChunkCollector : IProgress<OutputChunk>
{
    private readonly List<OutputChunk> _chunks = new();

    public void Report(OutputChunk value)
    {
        lock (_chunks) _chunks.Add(value);
    }

    public string Text(OutputStream stream)
    {
        lock (_chunks) return string.Concat(_chunks.Where(c => c.Stream == stream).Select(c => c.Text));
    }

    public int Count
    {
        get
        {
            lock (_chunks) return _chunks.Count;
        }
    }
}

internal static class ResultText
{
    /// <summary>A one-glance description of a result for assertion messages.</summary>
    public static string Describe(this Kai.Native.Sessions.ExecResult r) =>
        $"exit={r.ExitCode} timedOut={r.TimedOut} cancelled={r.Cancelled} by={r.CancelledBy} restarted={r.ShellRestarted} " +
        $"cwd={r.WorkingDirectory} duration={r.Duration.TotalMilliseconds:F0}ms notice={r.Notice}\nout=<{r.Output}>\nerr=<{r.Error}>";
}
