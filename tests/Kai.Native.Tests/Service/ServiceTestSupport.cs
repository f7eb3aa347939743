using Xunit;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kai.Native;
using Kai.Native.Service;

namespace Kai.Native.Tests.Service;

/// <summary>A temp directory removed with everything in it.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "kai-svc-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }
    public string Combine(params string[] parts) => System.IO.Path.Combine(new[] { Path }.Concat(parts).ToArray());

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// A stand-in for systemd's notify socket: a bound Unix datagram socket (a path, or an abstract '@' name)
/// collecting what the service sends.
/// </summary>
public sealed class FakeNotifySocket : IDisposable
{
    private readonly Socket _socket;
    private readonly List<string> _messages = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    public FakeNotifySocket(string address)
    {
        Address = address;
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(address.StartsWith('@') ? "\0" + address[1..] : address));
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>What NOTIFY_SOCKET is set to.</summary>
    public string Address { get; }

    public IReadOnlyList<string> Messages
    {
        get { lock (_messages) return _messages.ToList(); }
    }

    public async Task<string> WaitForAsync(string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = Messages.FirstOrDefault(m => m.Split('\n').Contains(state));
            if (found is not null) return found;
            await Task.Delay(50);
        }
        throw new TimeoutException($"No '{state}' on the notify socket within {timeout.TotalSeconds} s; got: [{string.Join(" | ", Messages)}]");
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                lock (_messages) _messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _reader.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
        if (!Address.StartsWith('@')) File.Delete(Address);
    }
}

/// <summary>Helpers shared by the service tests.</summary>
public static class ServiceTestEnvironment
{
    public const string Secret = "test-api-secret-0123456789abcdef";
    public const string BotToken = "bot-token-SECRET-4242-abcdef";

    public static string KaiExecutable { get; } = FindKai();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An env file in the installer's format (EnvFile.Render), mode 0600.</summary>
    public static string WriteEnvFile(string path, int port, string secret = Secret, IDictionary<string, string>? extra = null)
    {
        var values = new Dictionary<string, string>
        {
            ["WEBHOOK_SECRET"] = secret,
            ["WEBHOOK_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["KAI_API_BIND"] = "127.0.0.1",
            ["TELEGRAM_BOT_TOKEN"] = BotToken,
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) values[k] = v;
        File.WriteAllText(path, Kai.Native.IO.EnvFile.Render(values));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static string FindKai()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kai.sln"))) return Path.Combine(dir.FullName, "artifacts", "bin", "kai");
        throw new InvalidOperationException("Kai.sln not found");
    }
}

/// <summary>
/// A REAL `artifacts/bin/kai serve` process on a temp data dir, a temp env file and a free loopback port,
/// with a fake notify socket: started → READY=1 awaited; stopped with SIGTERM or killed with SIGKILL.
/// </summary>
public sealed class KaiServeProcess : IAsyncDisposable
{
    private readonly StringBuilder _stderr = new();
    private readonly bool _ownsDirectory;
    private Process? _process;
    private FakeNotifySocket? _notify;

    public KaiServeProcess(TempDirectory? directory = null, IDictionary<string, string>? envExtra = null, string? approvalsYaml = null)
    {
        _ownsDirectory = directory is null;
        Directory_ = directory ?? new TempDirectory();
        DataDirectory = Directory_.Combine("data");
        Directory.CreateDirectory(DataDirectory);
        Port = ServiceTestEnvironment.FreePort();
        EnvFile = ServiceTestEnvironment.WriteEnvFile(Directory_.Combine("env"), Port, extra: envExtra);
        if (approvalsYaml is not null) File.WriteAllText(Path.Combine(DataDirectory, "approvals.yaml"), approvalsYaml);
    }

    public TempDirectory Directory_ { get; }
    public string DataDirectory { get; }
    public string EnvFile { get; }
    public int Port { get; }
    public string SocketPath => Path.Combine(DataDirectory, ServicePaths.SocketFileName);
    public Uri Uri => new($"http://127.0.0.1:{Port}/");
    public FakeNotifySocket Notify => _notify ?? throw new InvalidOperationException("not started");
    public Process Process => _process ?? throw new InvalidOperationException("not started");
    public string StandardError
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>Extra environment for the process (e.g. KAI_SANDBOX).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    public async Task StartAsync(bool abstractNotifySocket = true)
    {
        _notify?.Dispose();
        _notify = new FakeNotifySocket(abstractNotifySocket ? "@kai-test-notify-" + Guid.NewGuid().ToString("N") : Directory_.Combine($"notify-{Guid.NewGuid():N}.sock"));
        var start = StartInfo();
        start.Environment["NOTIFY_SOCKET"] = _notify.Address;
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data);
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        try
        {
            await _notify.WaitForAsync("READY=1", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + " stderr: " + StandardError + (_process.HasExited ? $" (exited {_process.ExitCode})" : ""));
        }
    }

    /// <summary>The process start for `kai serve` with this instance's data dir and env file (and no NOTIFY_SOCKET).</summary>
    public ProcessStartInfo StartInfo(params string[] arguments)
    {
        var start = new ProcessStartInfo(ServiceTestEnvironment.KaiExecutable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        start.ArgumentList.Add("serve");
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment.Remove("NOTIFY_SOCKET");
        start.Environment["KAI_DATA_DIR"] = DataDirectory;
        start.Environment["KAI_ENV_FILE"] = EnvFile;
        // Tests kill -9 the service; without this each kill leaves the runtime's diagnostic pipes in /tmp.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        foreach (var (k, v) in Environment) start.Environment[k] = v;
        return start;
    }

    public ServiceSessionHost SocketClient(Secret? secret = null) => ServiceSessionHost.ForSocket(SocketPath, secret, "kai-tests");
    public ServiceSessionHost TcpClient(string secret = ServiceTestEnvironment.Secret) => ServiceSessionHost.ForUri(Uri, new Secret(secret), "kai-tests");

    public HttpClient Http(string? secret = ServiceTestEnvironment.Secret)
    {
        var http = new HttpClient { BaseAddress = Uri, Timeout = TimeSpan.FromSeconds(60) };
        if (secret is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return http;
    }

    /// <summary>SIGTERM and wait for the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        var process = Process;
        if (!process.HasExited) Signal(process.Id, 15);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    /// <summary>kill -9: no chance to clean up.</summary>
    public async Task KillAsync()
    {
        var process = Process;
        if (!process.HasExited) Signal(process.Id, 9);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            try
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
            }
        }
        _process?.Dispose();
        _notify?.Dispose();
        if (_ownsDirectory) Directory_.Dispose();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int KillNative(int pid, int signal);

    private static void Signal(int pid, int signal) => KillNative(pid, signal);
}
