using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>
/// A REAL `artifacts/bin/kai serve` for the hosted tests: temp data dir, env file in the installer's format,
/// a free loopback port, readiness from a fake systemd notify socket. Restartable and killable (kill -9).
/// The service tests run in the sessions collection: Connect-KaiService switches the process-wide host,
/// so they must never overlap the embedded-session tests.
/// </summary>
public sealed class ServiceFixture : IAsyncDisposable
{
    public const string Secret = "hosted-api-secret-0123456789abcdef";
    private readonly StringBuilder _stderr = new();
    private Process? _process;
    private Socket? _notify;

    public ServiceFixture(string? approvalsYaml = null)
    {
        Root = Directory.CreateTempSubdirectory("kai-svc-ps-").FullName;
        DataDirectory = Directory.CreateDirectory(Path.Combine(Root, "data")).FullName;
        Workspace = Directory.CreateDirectory(Path.Combine(Root, "ws")).FullName;
        Port = FreePort();
        EnvFile = Path.Combine(Root, "env");
        File.WriteAllText(EnvFile, $"# test\nWEBHOOK_SECRET='{Secret}'\nWEBHOOK_PORT={Port}\nKAI_API_BIND=127.0.0.1\n");
        File.SetUnixFileMode(EnvFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (approvalsYaml is not null) File.WriteAllText(Path.Combine(DataDirectory, "approvals.yaml"), approvalsYaml);
    }

    /// <summary>A service on an existing layout (a staged install): its data directory and env file; Root is not deleted.</summary>
    public ServiceFixture(string dataDirectory, string envFile, int port)
    {
        Root = dataDirectory;
        DataDirectory = dataDirectory;
        Workspace = dataDirectory;
        EnvFile = envFile;
        Port = port;
        _ownsRoot = false;
    }

    private readonly bool _ownsRoot = true;

    /// <summary>Runs `kai serve` through this prefix (e.g. setpriv to become the service user).</summary>
    public IReadOnlyList<string> RunAs { get; init; } = Array.Empty<string>();
    /// <summary>Extra environment; an entry with a null value removes the variable (e.g. KAI_ENV_FILE for the credential path).</summary>
    public Dictionary<string, string?> Environment { get; } = new();

    public string Root { get; }
    public string DataDirectory { get; }
    public string Workspace { get; }
    public string EnvFile { get; }
    public int Port { get; }
    public string SocketPath => Path.Combine(DataDirectory, "kai.sock");
    public string Uri => $"http://127.0.0.1:{Port}";
    public int ProcessId => _process?.Id ?? 0;
    public string StandardError
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public async Task StartAsync()
    {
        var notifyName = "kai-ps-notify-" + Guid.NewGuid().ToString("N");
        _notify?.Dispose();
        _notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _notify.Bind(new UnixDomainSocketEndPoint("\0" + notifyName));
        var command = RunAs.Concat(new[] { RepoPaths.KaiExecutable, "serve" }).ToList();
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);
        start.Environment["KAI_DATA_DIR"] = DataDirectory;
        start.Environment["KAI_ENV_FILE"] = EnvFile;
        // Tests kill -9 the service; without this each kill leaves the runtime's diagnostic pipes in /tmp.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        start.Environment["NOTIFY_SOCKET"] = "@" + notifyName;
        foreach (var (name, value) in Environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data);
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                var n = await _notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (Encoding.UTF8.GetString(buffer, 0, n).Split('\n').Contains("READY=1")) return;
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("kai serve did not become ready: " + StandardError);
            }
        }
    }

    /// <summary>SIGTERM, wait, and the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (_process is null) return 0;
        if (!_process.HasExited) kill(_process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>kill -9: the service gets no chance to clean up.</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) kill(_process.Id, 9);
        await _process.WaitForExitAsync();
    }

    /// <summary>A runspace with the module imported and KAI_DATA_DIR pointing at the service's data directory.</summary>
    public KaiShellHost NewShell() => new(new Dictionary<string, string> { ["KAI_DATA_DIR"] = DataDirectory });

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _notify?.Dispose();
        if (!_ownsRoot) return;
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
