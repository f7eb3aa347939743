using System.Diagnostics;
using System.Text.RegularExpressions;
using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

public sealed class BubblewrapArgumentsTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private List<string> Render(SandboxPolicy policy, uint hostUid = 1000, IReadOnlyDictionary<string, string>? environment = null) =>
        BubblewrapArguments.Render(policy, SandboxMountPlan.Build(policy), environment ?? SandboxEnvironment.Build(policy, null),
            _root.Workspace, new[] { "/bin/bash", "-c", "true" }, hostUid, 1L << 30);

    private static int IndexOf(List<string> args, params string[] sequence)
    {
        for (var i = 0; i + sequence.Length <= args.Count; i++)
            if (sequence.Select((s, j) => args[i + j] == s).All(b => b)) return i;
        return -1;
    }

    [Fact]
    public void Isolation_options_come_first_and_the_command_last()
    {
        var args = Render(_root.DefaultPolicy());
        Assert.Equal(new[] { "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session", "--cap-drop", "ALL" }, args.Take(7));
        Assert.DoesNotContain("--share-net", args);
        Assert.DoesNotContain("--uid", args);
        Assert.True(IndexOf(args, "--hostname", "kai-sandbox") > 0);
        Assert.True(IndexOf(args, "--clearenv") < IndexOf(args, "--setenv", "HOME", _root.Home));
        Assert.True(IndexOf(args, "--ro-bind", "/", "/") < IndexOf(args, "--dev", "/dev"));
        Assert.True(IndexOf(args, "--proc", "/proc") < IndexOf(args, "--ro-bind", "/proc/sys", "/proc/sys"));
        Assert.Equal(new[] { "--chdir", _root.Workspace, "--", "/bin/bash", "-c", "true" }, args.TakeLast(6));
    }

    [Fact]
    public void Root_is_mapped_to_an_unprivileged_uid_and_network_is_shared_only_when_allowed()
    {
        var args = Render(_root.DefaultPolicy().Relax("network"), hostUid: 0);
        Assert.True(IndexOf(args, "--uid", "1000", "--gid", "1000") > 0);
        Assert.True(IndexOf(args, "--unshare-all", "--unshare-user", "--share-net") == 0);
    }

    [Fact]
    public void Denied_directories_become_read_only_tmpfs_files_dev_null_and_allowed_places_binds_in_depth_order()
    {
        _root.File("hosthome/.ssh/id_rsa", "k");
        _root.File("hosthome/.netrc", "n");
        _root.File("ws/.bashrc", "rc");
        _root.File("ws/.env", "e");
        _root.Dir("ws/.git/hooks");
        var workspaceInData = _root.Dir("data/files/chat");
        var policy = SandboxPolicies.Default(_root.Context with { Workspace = workspaceInData });
        _root.File("data/files/chat/.bashrc", "rc");
        var args = BubblewrapArguments.Render(policy, SandboxMountPlan.Build(policy), new Dictionary<string, string>(), workspaceInData,
            new[] { "true" }, 1000, 1L << 30);

        var ssh = IndexOf(args, "--tmpfs", _root.HostHome + "/.ssh");
        Assert.True(ssh > 0);
        Assert.Equal(new[] { "--perms", "4755", "--size", "65536" }, args.Skip(ssh - 4).Take(4));
        Assert.True(IndexOf(args, "--ro-bind", "/dev/null", _root.HostHome + "/.netrc") > 0);
        var data = IndexOf(args, "--tmpfs", _root.Data);
        var bind = IndexOf(args, "--bind", workspaceInData, workspaceInData);
        var rc = IndexOf(args, "--ro-bind", workspaceInData + "/.bashrc", workspaceInData + "/.bashrc");
        Assert.True(data > 0 && bind > data && rc > bind, string.Join(' ', args));
        // Read-only again only after everything beneath it is mounted.
        var remount = IndexOf(args, "--remount-ro", _root.Data);
        Assert.True(remount > rc);
        Assert.True(IndexOf(args, "--remount-ro", _root.HostHome + "/.ssh") > 0);
        Assert.True(IndexOf(args, "--perms", "1777", "--size", (1L << 30).ToString(), "--tmpfs", "/tmp") > 0);
        // Nothing exists at the other workspace's paths any more, and missing paths are not mounted at all.
        Assert.DoesNotContain(_root.HostHome + "/.aws", args);
    }

    [Fact]
    public void A_deny_inside_the_workspace_wins_over_the_workspace_bind()
    {
        _root.File("ws/app/.env", "secret");
        _root.File("ws/.bashrc", "rc");
        var args = Render(_root.DefaultPolicy());
        var bind = IndexOf(args, "--bind", _root.Workspace, _root.Workspace);
        Assert.True(IndexOf(args, "--ro-bind", "/dev/null", _root.Workspace + "/app/.env") > bind);
        Assert.True(IndexOf(args, "--ro-bind", _root.Workspace + "/.bashrc", _root.Workspace + "/.bashrc") > bind);
    }

    [Fact]
    public void Symlinked_deny_entries_hide_their_target()
    {
        var real = _root.Dir("elsewhere/real-ssh");
        Directory.CreateSymbolicLink(Path.Combine(_root.HostHome, ".ssh"), real);
        var args = Render(_root.DefaultPolicy());
        Assert.True(IndexOf(args, "--tmpfs", real) > 0);
        Assert.DoesNotContain(_root.HostHome + "/.ssh", args);
    }

    [Fact]
    public void The_environment_is_exactly_the_filtered_one()
    {
        var policy = _root.DefaultPolicy();
        var env = SandboxEnvironment.Build(policy, new Dictionary<string, string> { ["PATH"] = "/usr/bin", ["KAI_X"] = "1", ["TOKEN_Y"] = "2", ["LC_ALL"] = "C" });
        var args = Render(policy, environment: env);
        var names = args.Select((a, i) => (a, i)).Where(p => p.a == "--setenv").Select(p => args[p.i + 1]).ToList();
        Assert.Equal(new[] { "HOME", "LC_ALL", "LOGNAME", "PATH", "SHELL", "TMPDIR", "USER" }, names.Order());
    }

    [Fact]
    public void Only_options_that_debian_12_bubblewrap_knows_are_used()
    {
        var start = new ProcessStartInfo("bwrap", "--help") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var help = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        var known = Regex.Matches(help, @"(?m)^\s+(--[a-z0-9-]+)").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Contains("--disable-userns", known);

        _root.File("ws/.bashrc", "x");
        _root.File("hosthome/.netrc", "x");
        var policy = _root.DefaultPolicy().Relax("network") with { MemoryLimitBytes = 1L << 30 };
        var args = Render(policy, hostUid: 0);
        var separator = args.IndexOf("--");
        var used = args.Take(separator).Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToHashSet();
        Assert.Empty(used.Except(known));
    }

    [Fact]
    public void The_launcher_closes_descriptors_and_applies_limits_before_exec()
    {
        var script = SandboxLauncher.Script(new SandboxLauncher.Options { DescriptorDirectory = "/proc/self/fd", MemoryLimitBytes = 256L << 20, MaxProcesses = 64 });
        Assert.StartsWith("for kai_fd in /proc/self/fd/*", script);
        Assert.Contains("exec $kai_fd>&-", script);
        Assert.Contains("ulimit -S -H -v 262144", script);
        Assert.Contains("ulimit -S -H -u 64", script);
        Assert.EndsWith("exec \"$@\"", script);
        Assert.DoesNotContain("compgen", script);
        var wrapped = SandboxLauncher.Wrap(new[] { "/bin/echo", "a b" }, new SandboxLauncher.Options { DescriptorDirectory = "/proc/self/fd" });
        Assert.Equal(new[] { "/bin/bash", "--noprofile", "--norc", "-c" }, wrapped.Take(4));
        Assert.Equal(new[] { "kai-sandbox", "/bin/echo", "a b" }, wrapped.TakeLast(3));
    }
}
