using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;


namespace Kai.Bench.Service;

/// <summary>A real `artifacts/bin/kai serve` on a temp data directory and a free loopback port; READY from a fake notify socket.</summary>
internal sealed class ServeProcess : IDisposable
{
    public const string Secret = "bench-api-secret-0123456789abcdef";
    private Process? _process;

    public ServeProcess(string root, string? approvalsYaml)
    {
        DataDirectory = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        Workspace = Directory.CreateDirectory(Path.Combine(root, "ws")).FullName;
        Port = FreePort();
        EnvFile = Path.Combine(root, "env");
        File.WriteAllText(EnvFile, EnvFile_Render(Port));
        File.SetUnixFileMode(EnvFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (approvalsYaml is not null) File.WriteAllText(Path.Combine(DataDirectory, "approvals.yaml"), approvalsYaml);
    }

    public string DataDirectory { get; }
    public string Workspace { get; }
    public string EnvFile { get; }
    public int Port { get; }
    public string SocketPath => Path.Combine(DataDirectory, "kai.sock");
    public string Database => Path.Combine(DataDirectory, "kai.db");

    public static string KaiExecutable()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kai.sln"))) return Path.Combine(dir.FullName, "artifacts", "bin", "kai");
        throw new InvalidOperationException("Kai.sln not found above " + AppContext.BaseDirectory);
    }

    public async Task StartAsync(IDictionary<string, string> environment)
    {
        var name = "kai-bench-" + Guid.NewGuid().ToString("N");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint("\0" + name));
        var start = new ProcessStartInfo(KaiExecutable(), "serve") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = "/" };
        start.Environment["KAI_DATA_DIR"] = DataDirectory;
        start.Environment["KAI_ENV_FILE"] = EnvFile;
        start.Environment["NOTIFY_SOCKET"] = "@" + name;
        foreach (var (k, v) in environment) start.Environment[k] = v;
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  [kai serve] " + e.Data); };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var n = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (Encoding.UTF8.GetString(buffer, 0, n).Split('\n').Contains("READY=1")) return;
        }
    }

    public async Task<int> StopAsync()
    {
        if (_process is null || _process.HasExited) return _process?.ExitCode ?? 0;
        kill(_process.Id, 15);
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        kill(_process.Id, 9);
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.Dispose();
    }

    private static string EnvFile_Render(int port) => Kai.Native.IO.EnvFile.Render(new Dictionary<string, string>
    {
        ["WEBHOOK_SECRET"] = Secret,
        ["WEBHOOK_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["KAI_API_BIND"] = "127.0.0.1",
    });

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
