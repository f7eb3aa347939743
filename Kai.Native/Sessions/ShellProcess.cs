using System.Diagnostics;
using System.IO.Pipes;
using Kai.Native.Platform;
using Kai.Native.Sandbox;

namespace Kai.Native.Sessions;

/// <summary>
/// A bash (persistent or one-shot) started through a sandbox backend with System.Diagnostics.Process —
/// no managed code runs between fork and exec — and wrapped in setsid(1) so it has its own session:
/// a Ctrl+C at the user's terminal reaches pwsh, not the shell; the engine decides what to signal.
/// Its stdout and stderr are read as raw bytes with poll(2) from whichever thread is waiting.
/// </summary>
internal sealed class ShellProcess : IDisposable
{
    private static readonly string? s_setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);
    private static readonly bool s_resetSignals = InheritsIgnoredSignals();

    private readonly Process _process;
    private readonly SandboxedCommand _command;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly Stream _stderr;
    private readonly int _stdoutFd;
    private readonly int _stderrFd;
    private const int LargeBuffer = 1 << 18;
    private byte[] _buffer;
    private int _shellPid;
    private int _disposed;
    private byte[]? _pendingError;

    private ShellProcess(Process process, SandboxedCommand command, int bufferSize)
    {
        _process = process;
        _command = command;
        _stdin = process.StandardInput.BaseStream;
        _stdout = process.StandardOutput.BaseStream;
        _stderr = process.StandardError.BaseStream;
        _stdoutFd = DescriptorOf(_stdout);
        _stderrFd = DescriptorOf(_stderr);
        _buffer = new byte[bufferSize];
        LauncherPid = process.Id;
        if (OperatingSystem.IsLinux())
        {
            // Bigger pipes: fewer wake-ups when a command streams a lot (best effort).
            Interop.Fcntl(_stdoutFd, Interop.F_SETPIPE_SZ, 1 << 18);
            Interop.Fcntl(_stderrFd, Interop.F_SETPIPE_SZ, 1 << 16);
        }
    }

    /// <summary>The process we started (setsid → the backend's wrapper, e.g. bwrap, or bash itself).</summary>
    public int LauncherPid { get; }
    public string Backend { get; private init; } = "none";
    public bool StdoutClosed { get; private set; }
    public bool StderrClosed { get; private set; }

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public int? ExitCode => HasExited ? _process.ExitCode : null;

    /// <summary>Starts <paramref name="argv"/> under <paramref name="policy"/>; the caller owns the result.</summary>
    /// <param name="newSession">
    /// Run it in a session of its own (setsid), out of reach of the terminal's Ctrl+C — for shells and background
    /// jobs that must outlive it. A -Fresh command is the foreground command: it may share the caller's.
    /// </param>
    public static ShellProcess Start(ISandboxBackend backend, SandboxPolicy policy, IReadOnlyList<string> argv,
        string workingDirectory, IReadOnlyDictionary<string, string> environment, bool newSession = true, int bufferSize = 1 << 16) =>
        // Returns once the sandbox is built (its launcher said so), starting again when the host changed a mounted
        // path during the setup: a failed start is never mistaken for the command's own failure.
        SandboxStartRetry.Run(
            () => StartOnce(backend, policy, argv, workingDirectory, environment, newSession, bufferSize),
            process => process.AwaitSandboxReady(),
            process => process.Dispose(),
            backend.Name);

    private static ShellProcess StartOnce(ISandboxBackend backend, SandboxPolicy policy, IReadOnlyList<string> argv,
        string workingDirectory, IReadOnlyDictionary<string, string> environment, bool newSession, int bufferSize)
    {
        var command = backend.Prepare(policy, new SandboxSpawn(argv, workingDirectory, environment) { SignalReady = true });
        try
        {
            var start = new ProcessStartInfo
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory,
            };
            var launcher = new List<string>();
            if (newSession && s_setsid is not null) launcher.Add(s_setsid);
            // Started with SIGINT ignored (nohup, a background job)? Children would inherit that and the
            // graduated cancel's first step could not work: put the default dispositions back.
            if (s_resetSignals) launcher.AddRange(["/usr/bin/env", "--default-signal=INT,QUIT,TERM"]);
            launcher.Add(command.FileName);
            start.FileName = launcher[0];
            foreach (var part in launcher.Skip(1)) start.ArgumentList.Add(part);
            foreach (var argument in command.Arguments) start.ArgumentList.Add(argument);
            start.Environment.Clear();
            foreach (var (key, value) in command.Environment) start.Environment[key] = value;
            var process = SandboxSpawner.Start(start); // one long-lived forking thread: --die-with-parent follows it
            return new ShellProcess(process, command, bufferSize) { Backend = backend.Name };
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            command.Dispose();
            throw new KaiException("ShellStartFailed", KaiErrorKind.ResourceUnavailable,
                $"Could not start '{command.FileName}': {e.Message}", command.FileName, e);
        }
        catch
        {
            command.Dispose();
            throw;
        }
    }

    /// <summary>The mounts the sandbox was built with (none without bubblewrap).</summary>
    public IReadOnlyList<SandboxMount> Mounts => _command.Mounts;

    /// <summary>
    /// Waits for the sandbox launcher's ready marker, the first bytes on stderr of a sandbox that was built.
    /// Returns null once it came (or when the backend sends none), else the backend's error text: stderr ended
    /// without it, so the sandbox was never built and nothing ran. What was read besides the marker stays for
    /// <see cref="Pump"/>.
    /// </summary>
    private unsafe string? AwaitSandboxReady()
    {
        if (_command.ReadyMarker is not { } marker) return null;
        var seen = new List<byte>(marker.Length);
        var deadline = Environment.TickCount64 + (long)SandboxSetupTimeout.TotalMilliseconds;
        var fds = stackalloc Interop.PollFd[1];
        while (true)
        {
            var at = IndexOf(seen, marker);
            if (at >= 0)
            {
                seen.RemoveRange(at, marker.Length);
                if (seen.Count > 0) _pendingError = seen.ToArray();
                return null;
            }
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
                throw new KaiException("SandboxStartFailed", KaiErrorKind.ResourceUnavailable,
                    $"The {Backend} sandbox was not set up within {SandboxSetupTimeout.TotalSeconds:0} s.", Backend);
            fds[0] = new Interop.PollFd { Fd = _stderrFd, Events = Interop.POLLIN };
            var ready = Interop.Poll(fds, 1, (int)Math.Min(left, 1000));
            if (ready < 0)
            {
                if (Errno.Last == Errno.EINTR) continue;
                throw Errno.ToException(Errno.Last, "poll");
            }
            if (ready == 0) continue;
            var n = Interop.ReadAvailable(_stderrFd, _buffer);
            if (n < 0) continue;
            if (n == 0)
            {
                // End of stderr before the marker: the backend gave up. Pump sees the end again and the error.
                _pendingError = seen.ToArray();
                return System.Text.Encoding.UTF8.GetString(_pendingError);
            }
            seen.AddRange(_buffer.AsSpan(0, n));
        }
    }

    private static int IndexOf(List<byte> data, byte[] pattern) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(data).IndexOf(pattern);

    /// <summary>How long building a sandbox may take before the start fails (it takes milliseconds).</summary>
    public static readonly TimeSpan SandboxSetupTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Writes to the shell's stdin; false when the shell is gone (broken pipe).</summary>
    public bool TryWrite(ReadOnlySpan<byte> data)
    {
        try
        {
            _stdin.Write(data);
            _stdin.Flush();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// A one-shot command's stdin: <paramref name="input"/> written from a pool thread (the command may
    /// read it slowly or never), then closed; no input means an empty stdin (closed at once).
    /// </summary>
    public void SupplyInput(byte[]? input)
    {
        if (input is null || input.Length == 0)
        {
            CloseInput();
            return;
        }
        _ = Task.Run(() =>
        {
            TryWrite(input);
            CloseInput();
        });
    }

    /// <summary>Closes stdin: a persistent bash then exits once its current command ends.</summary>
    public void CloseInput()
    {
        try
        {
            _stdin.Dispose();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> (0 = just look) for output and hands every chunk
    /// read to <paramref name="sink"/> (0 = stdout, 1 = stderr). Returns whether anything happened
    /// (data or end of file); false on timeout.
    /// </summary>
    public unsafe bool Pump(int timeoutMilliseconds, IOutputSink sink)
    {
        if (_pendingError is { } pending)
        {
            // stderr read while waiting for the sandbox to be built.
            _pendingError = null;
            sink.OnData(1, pending);
            return true;
        }
        if (StdoutClosed && StderrClosed)
        {
            if (timeoutMilliseconds > 0) Thread.Sleep(Math.Min(timeoutMilliseconds, 5));
            return false;
        }
        var fds = stackalloc Interop.PollFd[2];
        fds[0] = new Interop.PollFd { Fd = StdoutClosed ? -1 : _stdoutFd, Events = Interop.POLLIN };
        fds[1] = new Interop.PollFd { Fd = StderrClosed ? -1 : _stderrFd, Events = Interop.POLLIN };
        int ready;
        while ((ready = Interop.Poll(fds, 2, timeoutMilliseconds)) < 0)
        {
            if (Errno.Last != Errno.EINTR) throw Errno.ToException(Errno.Last, "poll");
        }
        if (ready == 0) return false;
        var any = false;
        for (var i = 0; i < 2; i++)
        {
            if (fds[i].Fd < 0 || fds[i].Revents == 0) continue;
            var n = Interop.ReadAvailable(fds[i].Fd, _buffer);
            if (n < 0) continue;
            any = true;
            if (n == 0)
            {
                if (i == 0) StdoutClosed = true;
                else StderrClosed = true;
                sink.OnEndOfStream(i);
            }
            else
            {
                sink.OnData(i, _buffer.AsSpan(0, n));
                // A full read means a command streams: read more at a time (fewer system calls per byte).
                if (n == _buffer.Length && _buffer.Length < LargeBuffer) _buffer = new byte[LargeBuffer];
            }
        }
        return any;
    }

    /// <summary>The bash itself: the launcher, or below it when a sandbox wrapper (bwrap and its init) sits between.</summary>
    public int FindShellPid()
    {
        if (_shellPid != 0) return _shellPid;
        if (ProcessTree.ReadStat(LauncherPid) is { Command: "bash" }) return _shellPid = LauncherPid;
        foreach (var pid in ProcessTree.Descendants(LauncherPid))
        {
            if (ProcessTree.ReadStat(pid) is { Command: "bash" }) return _shellPid = pid;
        }
        return OperatingSystem.IsLinux() ? 0 : LauncherPid;
    }

    /// <summary>Every process of this shell: the launcher and all below it.</summary>
    public IReadOnlyList<int> AllProcesses()
    {
        var all = new List<int> { LauncherPid };
        all.AddRange(ProcessTree.Descendants(LauncherPid));
        return all;
    }

    /// <summary>SIGKILL to the whole tree (through a PID namespace, killing its init takes the rest with it).</summary>
    public void Kill()
    {
        if (HasExited)
        {
            // The launcher is gone; orphans it left (no sandbox) are beyond reach, as with any shell.
            return;
        }
        ProcessTree.KillTree(LauncherPid);
    }

    public bool WaitForExit(int milliseconds)
    {
        try
        {
            return _process.WaitForExit(milliseconds);
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Kill();
        WaitForExit(2000);
        _stdin.Dispose();
        _stdout.Dispose();
        _stderr.Dispose();
        _process.Dispose();
        _command.Dispose();
    }

    /// <summary>Whether this process ignores SIGINT, SIGQUIT or SIGTERM (children inherit ignored signals).</summary>
    private static bool InheritsIgnoredSignals()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/env")) return false;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("SigIgn:", StringComparison.Ordinal)) continue;
                var mask = Convert.ToUInt64(line[7..].Trim(), 16);
                const ulong interesting = (1UL << (2 - 1)) | (1UL << (3 - 1)) | (1UL << (15 - 1));
                return (mask & interesting) != 0 && EnvSupportsDefaultSignal();
            }
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
        }
        return false;
    }

    private static bool EnvSupportsDefaultSignal()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("/usr/bin/env")
            {
                ArgumentList = { "--default-signal=INT", "true" },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            })!;
            probe.WaitForExit(5000);
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static int DescriptorOf(Stream stream) => stream switch
    {
        PipeStream pipe => (int)pipe.SafePipeHandle.DangerousGetHandle(),
        FileStream file => (int)file.SafeFileHandle.DangerousGetHandle(),
        _ => throw new NotSupportedException($"Cannot poll a {stream.GetType().Name}."),
    };
}

/// <summary>Receives what <see cref="ShellProcess.Pump"/> reads.</summary>
internal interface IOutputSink
{
    void OnData(int stream, ReadOnlySpan<byte> data);
    void OnEndOfStream(int stream);
}
