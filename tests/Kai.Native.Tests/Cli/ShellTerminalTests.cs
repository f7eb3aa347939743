using System.Diagnostics;
using Xunit;

namespace Kai.Native.Tests.Cli;

/// <summary>
/// `kai shell` on a real terminal: a pseudo-terminal driven by python3's pty module types lines and Ctrl+C,
/// the way a person would, so prompts, the restored screen and Console.CancelKeyPress are the real thing.
/// </summary>
public sealed class ShellTerminalTests : IDisposable
{
    private const string Driver = """
        import os, pty, select, sys, time
        kai, data, workspace = sys.argv[1:4]
        pid, fd = pty.fork()
        if pid == 0:
            os.environ['KAI_DATA_DIR'] = data
            os.execv(kai, [kai, 'shell', 'tty', '--workspace', workspace])
        seen = b''
        def wait_for(token, timeout=60):
            global seen
            end = time.time() + timeout
            while token not in seen:
                if time.time() > end:
                    sys.stdout.buffer.write(seen)
                    sys.exit('timed out waiting for %r' % token)
                ready, _, _ = select.select([fd], [], [], 0.2)
                if ready:
                    seen += os.read(fd, 4096)
        wait_for(b'tty:/tmp$ ')
        os.write(fd, b'echo started; sleep 30\n')
        wait_for(b'started\r\n')
        time.sleep(0.3)
        os.write(fd, b'\x03')
        wait_for(b'cancelled')
        os.write(fd, b'echo "after $PWD"\n')
        wait_for(b'after ')
        os.write(fd, b'exit\n')
        _, status = os.waitpid(pid, 0)
        try:
            while True:
                chunk = os.read(fd, 4096)
                if not chunk: break
                seen += chunk
        except OSError:
            pass
        sys.stdout.buffer.write(seen)
        sys.exit(os.waitstatus_to_exitcode(status))
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("kai-shell-tty-").FullName;

    [Fact]
    public void Ctrl_C_cancels_only_the_running_command_and_a_reopened_session_shows_its_screen()
    {
        var data = Path.Combine(_root, "data");
        var workspace = Directory.CreateDirectory(Path.Combine(_root, "ws")).FullName;
        var script = Path.Combine(_root, "driver.py");
        File.WriteAllText(script, Driver);
        // An earlier process leaves the session with a screen and a working directory.
        Assert.Equal(0, Run(ShellCommandTests.KaiExecutable, data, "shell", "tty", "--workspace", workspace, "--command", "cd /tmp; echo earlier-screen").ExitCode);

        var (exitCode, output) = Run("python3", data, script, ShellCommandTests.KaiExecutable, data, workspace);

        Assert.True(exitCode == 0, output);
        var restored = output.IndexOf("earlier-screen", StringComparison.Ordinal);
        var prompt = output.IndexOf("tty:/tmp$ ", StringComparison.Ordinal);
        Assert.True(restored >= 0 && prompt > restored, "the restored screen comes before the first prompt:\n" + output);
        Assert.Contains("cancelled (SIGINT)", output);
        Assert.Contains("after /tmp", output); // the loop and the session's state survived Ctrl+C
    }

    private static (int ExitCode, string Output) Run(string file, string data, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["KAI_DATA_DIR"] = data;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} did not exit");
        }
        return (process.ExitCode, output.GetAwaiter().GetResult() + error.GetAwaiter().GetResult());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
