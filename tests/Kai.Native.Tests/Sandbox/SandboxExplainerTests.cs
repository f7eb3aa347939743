using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

public sealed class SandboxExplainerTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public SandboxExplainerTests()
    {
        _root.File("hosthome/.ssh/id_rsa", "k");
        _root.File("hosthome/.netrc", "n");
        _root.File("ws/.bashrc", "rc");
        _root.File("ws/src/main.c", "int main;");
        _root.File("ws/.env", "e");
        _root.Dir("ws/.git/hooks");
        _root.File("data/kai.db", "db");
    }

    public void Dispose() => _root.Dispose();

    private SandboxExplanation Explain(string path) => _root.DefaultPolicy().Explain(path);

    [Fact]
    public void Workspace_files_are_writable_via_the_workspace_rule()
    {
        var e = Explain(Path.Combine(_root.Workspace, "src/main.c"));
        Assert.Equal(SandboxAccess.Writable, e.Access);
        Assert.Equal($"write-allow:{_root.Workspace}", e.RuleId);
        Assert.Contains("the workspace", e.Reason);
        Assert.True(e.Readable && e.Writable);
        // Relative paths are relative to the workspace; ~ is the host user's home.
        Assert.Equal(e.ResolvedPath, Explain("src/main.c").ResolvedPath);
        Assert.Equal($"read-deny:{_root.HostHome}/.ssh", Explain("~/.ssh/id_rsa").RuleId);
    }

    [Fact]
    public void Denied_paths_and_their_contents_are_hidden_by_the_deny_rule()
    {
        var key = Explain(Path.Combine(_root.HostHome, ".ssh/id_rsa"));
        Assert.Equal(SandboxAccess.Hidden, key.Access);
        Assert.Equal($"read-deny:{_root.HostHome}/.ssh", key.RuleId);
        Assert.Contains("empty directory", key.Reason);
        Assert.False(key.Readable);

        var netrc = Explain(Path.Combine(_root.HostHome, ".netrc"));
        Assert.Equal(SandboxAccess.Hidden, netrc.Access);
        Assert.Contains("/dev/null", netrc.Reason);

        Assert.Equal($"read-deny:{_root.Data}", Explain(Path.Combine(_root.Data, "kai.db")).RuleId);
        Assert.Equal($"read-deny:{_root.Workspace}/**/.env", Explain(Path.Combine(_root.Workspace, ".env")).RuleId);
    }

    [Fact]
    public void Rc_files_and_hooks_are_read_only_but_readable()
    {
        var rc = Explain(Path.Combine(_root.Workspace, ".bashrc"));
        Assert.Equal(SandboxAccess.ReadOnly, rc.Access);
        Assert.Equal($"write-deny:{_root.Workspace}/.bashrc", rc.RuleId);
        Assert.True(rc.Readable);
        Assert.False(rc.Writable);
        Assert.Contains("readable", rc.Reason);
        var hook = Explain(Path.Combine(_root.Workspace, ".git/hooks/pre-commit"));
        Assert.Equal($"write-deny:{_root.Workspace}/**/.git/hooks", hook.RuleId);
        Assert.Equal(SandboxAccess.ReadOnly, hook.Access);
    }

    [Fact]
    public void Everything_else_is_read_only_outside_the_allow_list()
    {
        var e = Explain("/usr/bin/env");
        Assert.Equal(SandboxAccess.ReadOnly, e.Access);
        Assert.Equal("write-allow:/usr/bin/env", e.RuleId);
        Assert.Contains("outside the write allow-list", e.Reason);
        // A path that does not exist names the directory a write would need.
        Assert.Equal("write-allow:/usr/bin", Explain("/usr/bin/not-there-" + Guid.NewGuid().ToString("N")).RuleId);
    }

    [Fact]
    public void Scratch_proc_and_dev_are_explained()
    {
        Assert.Equal(SandboxAccess.Private, Explain("/tmp/x").Access);
        Assert.Equal("scratch:/tmp", Explain("/tmp/x").RuleId);
        Assert.Contains("kernel settings", Explain("/proc/sys/kernel/hostname").Reason);
        Assert.Contains("own /proc", Explain("/proc/1/environ").Reason);
        Assert.Equal("dev", Explain("/dev/sda").RuleId);
    }

    [Fact]
    public void A_deny_that_matches_a_missing_path_still_names_the_rule()
    {
        var env = Explain(Path.Combine(_root.Workspace, "new/app/.env"));
        Assert.Equal(SandboxAccess.Hidden, env.Access);
        Assert.Equal($"read-deny:{_root.Workspace}/**/.env", env.RuleId);
        Assert.Contains("nothing exists there now", env.Reason);

        var aws = Explain(Path.Combine(_root.HostHome, ".aws/credentials"));
        Assert.Equal(SandboxAccess.Hidden, aws.Access);
        Assert.Equal($"read-deny:{_root.HostHome}/.aws", aws.RuleId);

        // A write-deny on a missing file: the sandbox could create it, and the explanation says so.
        var zshrc = Explain(Path.Combine(_root.Workspace, ".zshrc"));
        Assert.Equal(SandboxAccess.Writable, zshrc.Access);
        Assert.Contains(zshrc.Notes, n => n.Contains($"write-deny:{_root.Workspace}/.zshrc"));
    }

    [Fact]
    public void Symlinks_are_explained_by_their_target()
    {
        var link = Path.Combine(_root.Workspace, "keys");
        File.CreateSymbolicLink(link, Path.Combine(_root.HostHome, ".ssh"));
        var e = Explain(Path.Combine(link, "id_rsa"));
        Assert.Equal(SandboxAccess.Hidden, e.Access);
        Assert.Equal(Path.Combine(_root.HostHome, ".ssh", "id_rsa"), e.ResolvedPath);
        Assert.Contains(e.Notes, n => n.Contains("resolves to"));
    }

    [Fact]
    public void An_explanation_needs_an_absolute_path_without_a_context()
    {
        var policy = _root.DefaultPolicy() with { Context = null };
        Assert.Equal("SandboxPathInvalid", Assert.Throws<KaiException>(() => policy.Explain("relative")).ErrorId);
    }
}
