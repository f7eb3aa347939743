using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

/// <summary>`kai sandbox test|explain` as a real process (artifacts/bin/kai).</summary>
public sealed class SandboxCliTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private static string KaiExecutable()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kai.sln"))) return Path.Combine(dir.FullName, "artifacts", "bin", "kai");
        throw new InvalidOperationException("Kai.sln not found");
    }

    private (int Exit, string Output, string Error) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(KaiExecutable()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _root.Workspace };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void Test_prints_every_probe_blocked_and_exits_zero()
    {
        var (exit, output, error) = Run("sandbox", "test", "--data-dir", _root.Data, "--force");
        Assert.True(exit == 0, output + error);
        foreach (var probe in new[] { "read-denied-file", "write-outside-allow-list", "environment-secrets", "inherit-descriptor", "gain-privileges" })
            Assert.Matches($@"(?m)^{probe}\s+blocked\s", output);
        Assert.DoesNotContain("ESCAPED", output);

        var json = Run("sandbox", "test", "--data-dir", _root.Data, "--json");
        Assert.Equal(0, json.Exit);
        using var document = JsonDocument.Parse(json.Output);
        Assert.True(document.RootElement.GetProperty("fromCache").GetBoolean());
        Assert.Equal(11, document.RootElement.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public void Explain_names_the_rule_for_each_path()
    {
        _root.File("ws/.bashrc", "# rc");
        var (exit, output, _) = Run("sandbox", "explain", ".bashrc", Path.Combine(_root.Data, "kai.db"), "--data-dir", _root.Data);
        Assert.Equal(0, exit);
        Assert.Contains($"rule:     write-deny:{_root.Workspace}/.bashrc", output);
        Assert.Contains($"rule:     read-deny:{_root.Data}", output);
    }

    [Fact]
    public void An_unprivileged_user_passes_every_probe_and_sees_root_only_files_closed()
    {
        Assert.True(Platform.UnixAccounts.IsRoot, "CI runs as root; this test creates a kaitest user to run kai as");
        var user = "kaitest" + Guid.NewGuid().ToString("N")[..8];
        // Not under /tmp or /var/tmp (private scratch in the sandbox) and beneath a traversable directory.
        var root = Path.Combine("/var/lib", "kai-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Exec("useradd", "-r", "-M", "-s", "/usr/sbin/nologin", user);
        try
        {
            var account = Platform.UnixAccounts.FindUser(user)!;
            Directory.CreateDirectory(root);
            File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("755", 8));
            var dirs = new[] { "ws", "data", "home" }.Select(d => Directory.CreateDirectory(Path.Combine(root, d)).FullName).ToArray();
            foreach (var dir in dirs) Exec("chown", $"{account.Uid}:{account.Gid}", dir);
            var asUser = new[] { $"--reuid={account.Uid}", $"--regid={account.Gid}", "--clear-groups", "--", KaiExecutable() };

            var test = Exec("/usr/bin/setpriv", asUser.Concat(new[] { "sandbox", "test", "--data-dir", dirs[1], "--force", "--workspace", dirs[0] }).ToArray(), dirs[2]);
            Assert.True(test.Exit == 0, test.Output + test.Error);
            Assert.DoesNotContain("ESCAPED", test.Output);
            Assert.Matches(@"(?m)^read-denied-file\s+blocked\s", test.Output);
            Assert.Matches(@"(?m)^write-outside-allow-list\s+blocked\s", test.Output);
            Assert.Matches($@"(?m)^gain-privileges\s+blocked\s+uid {account.Uid},", test.Output);

            var explain = Exec("/usr/bin/setpriv", asUser.Concat(new[] { "sandbox", "explain", "/etc/shadow", "--data-dir", dirs[1], "--workspace", dirs[0] }).ToArray(), dirs[2]);
            Assert.True(explain.Exit == 0, explain.Output + explain.Error);
            Assert.Contains("access:   Hidden", explain.Output);
            Assert.Contains("file permissions", explain.Output);
        }
        finally
        {
            Exec("userdel", user);
            Directory.Delete(root, recursive: true);
        }
    }

    private static (int Exit, string Output, string Error) Exec(string file, params string[] arguments) => Exec(file, arguments, null);

    private static (int Exit, string Output, string Error) Exec(string file, string[] arguments, string? home)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        if (home is not null)
        {
            start.Environment.Clear();
            start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
            start.Environment["HOME"] = home;
            start.Environment["LANG"] = "C.UTF-8";
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (home is null && process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {error.Result}");
        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void Errors_print_the_error_id_and_exit_two()
    {
        var policy = _root.File("bad.yaml", "network: sometimes\n");
        var (exit, _, error) = Run("sandbox", "test", "--policy", policy, "--data-dir", _root.Data);
        Assert.Equal(2, exit);
        Assert.Contains("kai sandbox test: [SandboxPolicyInvalid]", error);
        Assert.Contains("line 1, field 'network'", error);
        Assert.Equal(2, Run("sandbox", "explain", "x", "--workspace", Path.Combine(_root.Root, "missing")).Exit);
    }
}
