using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

/// <summary>`kai sandbox test|explain` as a real process (artifacts/bin/kai).</summary>
public sealed class SandboxCliTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private static string Kai()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kai.sln"))) return Path.Combine(dir.FullName, "artifacts", "bin", "kai");
        throw new InvalidOperationException("Kai.sln not found");
    }

    private (int Exit, string Output, string Error) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Kai()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _root.Workspace };
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
