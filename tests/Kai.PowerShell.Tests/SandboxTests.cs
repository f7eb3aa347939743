using System.Management.Automation;
using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>Test-KaiSandbox in a hosted engine with the built module: real probes in the real sandbox.</summary>
public sealed class SandboxTests : IDisposable
{
    // Outside /tmp: the default policy's private scratch /tmp would hide a workspace there from the host's view.
    private readonly string _root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kai-tests",
        "ps-sbx-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _workspace;
    private readonly string _data;

    public SandboxTests()
    {
        _workspace = Directory.CreateDirectory(Path.Combine(_root, "ws")).FullName;
        _data = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Host output without the ANSI colours the formatter adds to headers.</summary>
    private static string Plain(string text) => System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", "");

    private static string Property(PSObject item, string name) => item.Properties[name].Value?.ToString() ?? "";

    [Fact]
    public void Every_probe_is_blocked_and_the_table_view_shows_them()
    {
        using var host = new KaiShellHost();
        var result = host.Run("Test-KaiSandbox -Workspace $args[0] -DataDirectory $args[1] -Force", _workspace, _data);
        Assert.Empty(result.Errors);
        Assert.Equal(11, result.Output.Count);
        foreach (var item in result.Output)
        {
            Assert.Equal("Kai.Native.Sandbox.SandboxProbeResult", item.TypeNames[0]);
            Assert.True((bool)item.Properties["Blocked"].Value, $"{Property(item, "Probe")}: {Property(item, "Outcome")}: {Property(item, "Detail")}");
            Assert.False((bool)item.Properties["Cached"].Value);
            Assert.Equal("bubblewrap", Property(item, "Backend"));
        }
        Assert.Contains("read-denied-file", result.Output.Select(o => Property(o, "Probe")));
        Assert.Contains("environment-secrets", result.Output.Select(o => Property(o, "Probe")));

        var cached = host.Run("Test-KaiSandbox -Workspace $args[0] -DataDirectory $args[1] -Verbose", _workspace, _data);
        Assert.Empty(cached.Errors);
        Assert.All(cached.Output, item => Assert.True((bool)item.Properties["Cached"].Value));
        Assert.Contains(cached.Verbose, v => v.Contains("Cached result", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_data, "sandbox-preflight.json")));

        var table = host.Run("Test-KaiSandbox -Workspace $args[0] -DataDirectory $args[1] | Out-Default", _workspace, _data);
        Assert.Empty(table.Errors);
        var text = Plain(table.HostOutput);
        Assert.Matches(@"Probe\s+Blocked\s+Detail", text);
        Assert.Matches(@"read-denied-file\s+True", text);
    }

    [Fact]
    public void Path_explains_which_rule_hides_protects_or_allows()
    {
        File.WriteAllText(Path.Combine(_workspace, ".bashrc"), "# rc\n");
        File.WriteAllText(Path.Combine(_workspace, "main.py"), "print(1)\n");
        using var host = new KaiShellHost();
        var result = host.Run("""
            param($ws, $data)
            $null = $ExecutionContext.SessionState.Path.SetLocation($ws)
            Test-KaiSandbox -Workspace $ws -DataDirectory $data -Path ./.bashrc, main.py, ([IO.Path]::Combine($data, 'kai.db')), /etc/passwd
            [System.IO.FileInfo]::new([IO.Path]::Combine($ws, 'main.py')) | Test-KaiSandbox -Workspace $ws -DataDirectory $data
            """, _workspace, _data);
        Assert.Empty(result.Errors);
        Assert.Equal(5, result.Output.Count);
        Assert.All(result.Output, o => Assert.Equal("Kai.Native.Sandbox.SandboxExplanation", o.TypeNames[0]));
        Assert.Equal("ReadOnly", Property(result.Output[0], "Access"));
        Assert.Equal($"write-deny:{_workspace}/.bashrc", Property(result.Output[0], "RuleId"));
        Assert.Equal("Writable", Property(result.Output[1], "Access"));
        Assert.Equal($"write-allow:{_workspace}", Property(result.Output[1], "RuleId"));
        Assert.Equal("Hidden", Property(result.Output[2], "Access"));
        Assert.Equal($"read-deny:{_data}", Property(result.Output[2], "RuleId"));
        Assert.Equal("write-allow:/etc/passwd", Property(result.Output[3], "RuleId"));
        Assert.Equal($"write-allow:{_workspace}", Property(result.Output[4], "RuleId"));

        var list = host.Run("Test-KaiSandbox -Workspace $args[0] -DataDirectory $args[1] -Path ([IO.Path]::Combine($args[0], '.bashrc')) | Out-Default", _workspace, _data);
        Assert.Empty(list.Errors);
        var text = Plain(list.HostOutput);
        Assert.Matches(@"Access\s*:\s*ReadOnly", text);
        Assert.Matches(@"RuleId\s*:\s*write-deny:", text);
        Assert.Contains("Reason", text);
    }

    [Fact]
    public void A_bad_policy_file_is_an_error_with_id_category_and_target()
    {
        var policy = Path.Combine(_root, "policy.yaml");
        File.WriteAllText(policy, "network: false\nwrite:\n  allow: [ relative/dir ]\n");
        using var host = new KaiShellHost();
        var result = host.Run("Test-KaiSandbox -Workspace $args[0] -DataDirectory $args[1] -Policy $args[2]", _workspace, _data, policy);
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("SandboxPolicyInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(policy, error.TargetObject);
        Assert.Contains("line 3, field 'write.allow[0]'", error.Exception.Message);

        var missing = host.Run("Test-KaiSandbox -Workspace $args[0] -DataDirectory $args[1] -Policy $args[2]", _workspace, _data, policy + ".missing");
        var notFound = Assert.Single(missing.Errors);
        Assert.StartsWith("SandboxPolicyNotFound,", notFound.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, notFound.CategoryInfo.Category);

        var secret = Path.Combine(_root, "secret.yaml");
        File.WriteAllText(secret, "environment:\n  allow: [ TELEGRAM_BOT_TOKEN ]\n");
        var forbidden = Assert.Single(host.Run("Test-KaiSandbox -Workspace $args[0] -DataDirectory $args[1] -Policy $args[2]", _workspace, _data, secret).Errors);
        Assert.StartsWith("SandboxEnvironmentForbidden,", forbidden.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.SecurityError, forbidden.CategoryInfo.Category);
    }

    [Fact]
    public void A_missing_workspace_is_object_not_found()
    {
        using var host = new KaiShellHost();
        var missing = Path.Combine(_root, "nope");
        var error = Assert.Single(host.Run("Test-KaiSandbox -Workspace $args[0] -DataDirectory $args[1]", missing, _data).Errors);
        Assert.StartsWith("SandboxWorkspaceNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(missing, error.TargetObject);
    }

    [Fact]
    public void Sandbox_none_cannot_be_chosen_for_a_test()
    {
        using var host = new KaiShellHost();
        var error = Assert.Single(host.Run("Test-KaiSandbox -Workspace $args[0] -Sandbox None", _workspace).Errors);
        Assert.StartsWith("ParameterArgumentValidationError", error.FullyQualifiedErrorId);
    }
}
