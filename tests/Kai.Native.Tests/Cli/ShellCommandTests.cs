using System.Diagnostics;
using Xunit;

namespace Kai.Native.Tests.Cli;

/// <summary>`kai shell` as a real process (artifacts/bin/kai), each test with its own KAI_DATA_DIR.</summary>
public sealed class ShellCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kai-shell-cli-").FullName;
    private string DataDirectory => Path.Combine(_root, "data");
    private string Workspace => Directory.CreateDirectory(Path.Combine(_root, "ws")).FullName;

    [Fact]
    public void One_shot_prints_both_streams_and_exits_with_the_command_status()
    {
        var run = Kai(["shell", "one", "--workspace", Workspace, "--command", "echo to-out; echo to-err >&2; (exit 3)"]);
        Assert.Equal(3, run.ExitCode);
        Assert.Equal("to-out\n", run.Output);
        Assert.Equal("to-err\n", run.Error);
    }

    [Fact]
    public void State_carries_between_two_invocations_like_demo_sh()
    {
        var first = Kai(["shell", "demo", "--workspace", Workspace, "--command", "cd /tmp; export GREETING=\"hello there\""]);
        Assert.True(first.ExitCode == 0, first.Error);

        var second = Kai(["shell", "demo", "--workspace", Workspace, "--command", "echo \"$GREETING, still in $PWD\""]);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Equal("hello there, still in /tmp\n", second.Output);
        Assert.Equal("", second.Error); // a new process's first command says nothing about the restart
    }

    [Fact]
    public void Fresh_runs_without_the_session_state()
    {
        Assert.Equal(0, Kai(["shell", "fr", "--workspace", Workspace, "--command", "export ONLY=session"]).ExitCode);
        var fresh = Kai(["shell", "fr", "--fresh", "--command", "echo \"${ONLY:-unset}\""]);
        Assert.Equal("unset\n", fresh.Output);
    }

    [Fact]
    public void Timeout_exits_124_and_says_so_on_stderr()
    {
        var run = Kai(["shell", "slow", "--workspace", Workspace, "--timeout", "1", "--command", "echo started; sleep 30"]);
        Assert.Equal(124, run.ExitCode);
        Assert.Equal("started\n", run.Output);
        Assert.Contains("timed out", run.Error);
    }

    [Fact]
    public void Stdin_is_passed_only_when_asked()
    {
        var piped = Kai(["shell", "in", "--workspace", Workspace, "--stdin", "--command", "tr a-z A-Z"], input: "shout\n");
        Assert.Equal("SHOUT\n", piped.Output);
        var empty = Kai(["shell", "in", "--command", "cat; echo end"], input: "ignored\n");
        Assert.Equal("end\n", empty.Output);
    }

    [Fact]
    public void Interactive_loop_reads_lines_from_a_pipe_without_prompts()
    {
        var run = Kai(["shell", "repl", "--workspace", Workspace], input: "cd /tmp\npwd\necho oops >&2\nexit 4\necho never\n");
        Assert.Equal(4, run.ExitCode);
        Assert.Equal("/tmp\n", run.Output); // no prompt when stdin is not a terminal
        Assert.Contains("oops\n", run.Error);
        Assert.DoesNotContain("never", run.Output);
    }

    [Fact]
    public void A_script_piped_into_a_reopened_session_gets_only_its_own_output()
    {
        Assert.Equal(0, Kai(["shell", "again", "--workspace", Workspace, "--command", "cd /tmp; echo earlier-screen"]).ExitCode);
        var run = Kai(["shell", "again"], input: "pwd\n");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("/tmp\n", run.Output);
        Assert.DoesNotContain("earlier-screen", run.Output + run.Error);
    }

    [Fact]
    public void Interactive_loop_ends_at_end_of_input_with_the_last_status()
    {
        var run = Kai(["shell", "eof", "--workspace", Workspace], input: "echo hi\n(exit 6)\n");
        Assert.Equal(6, run.ExitCode);
        Assert.Equal("hi\n", run.Output);
        Assert.Contains("[exit 6]", run.Error);
    }

    [Fact]
    public void Workspace_mismatch_and_engine_errors_exit_125_with_one_message()
    {
        Assert.Equal(0, Kai(["shell", "ws", "--workspace", Workspace, "--command", "true"]).ExitCode);
        var other = Directory.CreateDirectory(Path.Combine(_root, "other")).FullName;
        var mismatch = Kai(["shell", "ws", "--workspace", other, "--command", "true"]);
        Assert.Equal(125, mismatch.ExitCode);
        Assert.StartsWith("kai shell: A session named 'ws' already exists and its workspace is", mismatch.Error);
        Assert.Equal("", mismatch.Output);
    }

    [Fact]
    public void Usage_errors_name_the_problem()
    {
        var badSandbox = Kai(["shell", "x", "--sandbox", "chroot", "--command", "true"]);
        Assert.NotEqual(0, badSandbox.ExitCode);
        Assert.Contains("chroot", badSandbox.Error);

        var stdinWithoutCommand = Kai(["shell", "x", "--stdin"]);
        Assert.NotEqual(0, stdinWithoutCommand.ExitCode);
        Assert.Contains("--stdin needs --command", stdinWithoutCommand.Error);
    }

    [Fact]
    public void Without_a_usable_sandbox_Auto_fails_and_only_an_explicit_none_runs()
    {
        // bubblewrap is made unusable for kai alone: a private mount namespace binds /bin/false over it.
        if (Environment.UserName != "root") return; // unshare --mount needs root (CI runs the suite as root)
        string[] withoutBwrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c", "mount --bind /bin/false \"$(command -v bwrap)\" && exec \"$@\"", "sh"];

        var refused = Kai(["shell", "nosbx", "--workspace", Workspace, "--command", "echo ran"], wrapper: withoutBwrap);
        Assert.Equal(125, refused.ExitCode);
        Assert.Contains("bubblewrap sandbox is unavailable", refused.Error);
        Assert.Contains("Fix:", refused.Error);
        Assert.Equal("", refused.Output); // nothing ran, not even unsandboxed

        var chosen = Kai(["shell", "nosbx", "--workspace", Workspace, "--sandbox", "none", "--command", "echo ran"], wrapper: withoutBwrap);
        Assert.True(chosen.ExitCode == 0, chosen.Error);
        Assert.Equal("ran\n", chosen.Output);

        var switchedOff = Kai(["shell", "off", "--workspace", Workspace, "--command", "echo ran"], wrapper: withoutBwrap,
            environment: new() { ["KAI_SANDBOX"] = "off" });
        Assert.Equal("ran\n", switchedOff.Output);
    }

    private (int ExitCode, string Output, string Error) Kai(string[] arguments, string input = "", string[]? wrapper = null,
        Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(wrapper?[0] ?? KaiExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (wrapper is not null)
        {
            foreach (var part in wrapper[1..]) start.ArgumentList.Add(part);
            start.ArgumentList.Add(KaiExecutable);
        }
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["KAI_DATA_DIR"] = DataDirectory;
        start.Environment.Remove("KAI_SANDBOX");
        foreach (var (name, value) in environment ?? new()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("kai did not exit: " + string.Join(' ', arguments));
        }
        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    internal static string KaiExecutable { get; } = FindKai();

    private static string FindKai()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kai.sln"))) return Path.Combine(dir.FullName, "artifacts", "bin", "kai");
        throw new InvalidOperationException("Kai.sln not found above " + AppContext.BaseDirectory);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
