using System.Diagnostics;
using Kai.Native.Sandbox;
using Kai.Native.Sessions;

namespace Kai.Bench;

/// <summary>The baseline: a persistent bash driven directly from .NET (write a line, read the reply), optionally inside the same sandbox.</summary>
internal sealed class RawShell : IDisposable
{
    private readonly Process _process;
    private readonly SandboxedCommand _command;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly byte[] _buffer = new byte[1 << 16];

    public RawShell(ISandboxBackend backend, SandboxPolicy policy, string directory, IReadOnlyDictionary<string, string> environment)
        : this(backend, policy, directory, environment, ["/bin/bash", "--noprofile", "--norc"], warm: true)
    {
    }

    private RawShell(ISandboxBackend backend, SandboxPolicy policy, string directory, IReadOnlyDictionary<string, string> environment, string[] argv, bool warm)
    {
        _command = backend.Prepare(policy, new SandboxSpawn(argv, directory, environment));
        var start = new ProcessStartInfo(_command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in _command.Arguments) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (key, value) in _command.Environment) start.Environment[key] = value;
        _process = Kai.Native.Sandbox.SandboxSpawner.Start(start); // bwrap --die-with-parent: fork from a thread that lives on
        _stdin = _process.StandardInput.BaseStream;
        _stdout = _process.StandardOutput.BaseStream;
        if (warm) RoundTrip();
    }

    public int Pid => _process.Id;

    /// <summary>
    /// The floor of Kai's framing: the same loop Kai's shell runs (read a record, eval, read the nonce, print the
    /// end mark), driven straight from here with no engine around it.
    /// </summary>
    /// <param name="checkMounts">Check the sandbox's hiding mounts before every command, as a session does (SandboxIntegrity).</param>
    public static RawShell WithKaiFraming(ISandboxBackend backend, SandboxPolicy policy, string directory, IReadOnlyDictionary<string, string> environment, bool checkMounts)
    {
        var shell = new RawShell(backend, policy, directory, environment, ["/bin/bash", "--noprofile", "--norc", "/dev/stdin"], warm: false);
        var prelude = ShellFraming.PreludeFor(checkMounts ? SandboxIntegrity.For(shell._command.Mounts) : null);
        shell._stdin.Write(System.Text.Encoding.UTF8.GetBytes(prelude));
        shell._stdin.Flush();
        shell.FramedRoundTrip();
        return shell;
    }

    private static readonly byte[] s_framed = System.Text.Encoding.ASCII.GetBytes(":echo x\0" + "AAAAAAAAAAAA");

    /// <summary>`echo x` as Kai frames it, waiting for the end mark's closing NUL.</summary>
    public void FramedRoundTrip()
    {
        _stdin.Write(s_framed);
        _stdin.Flush();
        var got = 0;
        while (true)
        {
            var n = _stdout.Read(_buffer, got, _buffer.Length - got);
            if (n <= 0) throw new IOException("bash ended");
            got += n;
            if (got > 3 && _buffer[got - 1] == 0) return;
        }
    }

    /// <summary>`echo x` and wait for its "x\n".</summary>
    public void RoundTrip()
    {
        _stdin.Write("echo x\n"u8);
        _stdin.Flush();
        var got = 0;
        while (got < 2) got += _stdout.Read(_buffer, got, _buffer.Length - got);
    }

    /// <summary>Runs a command and waits for the marker line it prints at the end.</summary>
    public void Run(string command)
    {
        _stdin.Write(System.Text.Encoding.UTF8.GetBytes(command + "; echo __done__\n"));
        _stdin.Flush();
        var tail = new List<byte>();
        while (true)
        {
            var n = _stdout.Read(_buffer, 0, _buffer.Length);
            if (n <= 0) throw new IOException("bash ended");
            tail.AddRange(_buffer.AsSpan(0, n).ToArray());
            if (tail.Count > 64) tail.RemoveRange(0, tail.Count - 64);
            if (System.Text.Encoding.ASCII.GetString(tail.ToArray()).EndsWith("__done__\n", StringComparison.Ordinal)) return;
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.WaitForExit(5000);
        _process.Dispose();
        _command.Dispose();
    }
}

/// <summary>The baseline for -Fresh: the same sandbox spawning `true` and nothing else.</summary>
internal static class RawSpawn
{
    public static void Run(ISandboxBackend backend, SandboxPolicy policy, string directory, IReadOnlyDictionary<string, string> environment, params string[] argv)
    {
        using var command = backend.Prepare(policy, new SandboxSpawn(argv, directory, environment));
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in command.Arguments) start.ArgumentList.Add(argument);
        start.Environment.Clear();
        foreach (var (key, value) in command.Environment) start.Environment[key] = value;
        using var process = Kai.Native.Sandbox.SandboxSpawner.Start(start);
        process.StandardInput.Close();
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
    }
}
