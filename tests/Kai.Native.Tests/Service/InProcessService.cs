using Xunit;
using Kai.Native.Service;
using Kai.Service.Hosting;

namespace Kai.Native.Tests.Service;

/// <summary>
/// The service's real host code (KaiServer: config, Kestrel, auth, approvals, audit) run in this test process
/// over a <see cref="FakeSessionHost"/>, for the protocol tests that must not depend on bash or a sandbox.
/// The end-to-end tests drive a real `kai serve` process instead (<see cref="KaiServeProcess"/>).
/// </summary>
public sealed class InProcessService : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("kai-inproc-");
    private CancellationTokenSource _stop = new();
    private readonly StringWriter _stderr = new();
    private FakeNotifySocket? _notify;
    private Task<int>? _run;

    public InProcessService(string? approvalsYaml = null)
    {
        DataDirectory = _directory.Combine("data");
        Directory.CreateDirectory(DataDirectory);
        Port = ServiceTestEnvironment.FreePort();
        EnvFile = ServiceTestEnvironment.WriteEnvFile(_directory.Combine("env"), Port);
        if (approvalsYaml is not null) File.WriteAllText(Path.Combine(DataDirectory, "approvals.yaml"), approvalsYaml);
    }

    public FakeSessionHost Host { get; private set; } = new();
    public string DataDirectory { get; }
    public string EnvFile { get; }
    public int Port { get; }
    public string SocketPath => Path.Combine(DataDirectory, ServicePaths.SocketFileName);
    public Uri Uri => new($"http://127.0.0.1:{Port}/");
    public string StandardError => _stderr.ToString();

    public async Task<InProcessService> StartAsync()
    {
        _notify = new FakeNotifySocket("@kai-inproc-" + Guid.NewGuid().ToString("N"));
        Host = new FakeSessionHost();
        var environment = new Dictionary<string, string>
        {
            ["KAI_DATA_DIR"] = DataDirectory,
            ["KAI_ENV_FILE"] = EnvFile,
            ["NOTIFY_SOCKET"] = _notify.Address,
        };
        var options = new ServeOptions
        {
            Environment = name => environment.TryGetValue(name, out var v) ? v : null,
            SessionHostFactory = _ => Host,
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        };
        _run = Task.Run(() => KaiServer.RunAsync(options, TextWriter.Synchronized(_stderr), _stop.Token));
        var ready = _notify.WaitForAsync("READY=1", TimeSpan.FromSeconds(30));
        if (await Task.WhenAny(ready, _run) == _run)
            throw new InvalidOperationException($"kai serve (in process) exited {await _run}: {StandardError}");
        await ready;
        return this;
    }

    public ServiceSessionHost SocketClient() => ServiceSessionHost.ForSocket(SocketPath, null, "kai-tests");
    public ServiceSessionHost TcpClient(string secret = ServiceTestEnvironment.Secret) => ServiceSessionHost.ForUri(Uri, new Secret(secret), "kai-tests");

    public HttpClient Http(string? secret = ServiceTestEnvironment.Secret)
    {
        var http = new HttpClient { BaseAddress = Uri, Timeout = TimeSpan.FromSeconds(60) };
        if (secret is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return http;
    }

    /// <summary>Stops the service (as SIGTERM would) and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (_run is null) return 0;
        _stop.Cancel();
        var code = await _run;
        _run = null;
        _notify?.Dispose();
        _notify = null;
        return code;
    }

    /// <summary>Stops and starts again on the same data directory (a fresh fake engine).</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _stop = new CancellationTokenSource();
        await StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _notify?.Dispose();
            _directory.Dispose();
        }
    }
}
