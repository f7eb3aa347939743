using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

public sealed class SandboxDiagnosisTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public SandboxDiagnosisTests()
    {
        _root.File("ws/.bashrc", "rc");
        _root.Dir("ws/.git/hooks");
        _root.File("hosthome/.ssh/id_rsa", "k");
    }

    public void Dispose() => _root.Dispose();

    private string? BlockedBy(string stderr, int exit = 1, SandboxPolicy? policy = null) =>
        SandboxDiagnosis.BlockedBy(policy ?? _root.DefaultPolicy(), exit, stderr, _root.Workspace);

    [Fact]
    public void A_read_only_file_system_outside_the_allow_list_names_the_place_to_allow()
    {
        Assert.Equal("write-allow:/etc", BlockedBy("touch: cannot touch '/etc/kai-new.conf': Read-only file system"));
        Assert.Equal("write-allow:/usr/local/bin", BlockedBy("bash: /usr/local/bin/tool: Read-only file system"));
        Assert.Equal("write-allow:/etc/hosts", BlockedBy("OSError: [Errno 30] Read-only file system: '/etc/hosts'"));
        Assert.Equal("write-allow:/opt", BlockedBy("Error: EROFS: read-only file system, open '/opt/x.json'"));
    }

    [Fact]
    public void A_read_only_file_system_on_a_protected_file_names_the_write_deny()
    {
        Assert.Equal($"write-deny:{_root.Workspace}/.bashrc", BlockedBy("bash: .bashrc: Read-only file system"));
        Assert.Equal($"write-deny:{_root.Workspace}/**/.git/hooks", BlockedBy("cp: cannot create regular file '.git/hooks/pre-commit': Read-only file system"));
    }

    [Fact]
    public void Network_failures_name_the_network_rule_only_when_it_is_off()
    {
        Assert.Equal("network", BlockedBy("curl: (6) Could not resolve host: example.com"));
        Assert.Equal("network", BlockedBy("ssh: connect to host 10.0.0.1 port 22: Network is unreachable"));
        Assert.Equal("network", BlockedBy("npm ERR! getaddrinfo EAI_AGAIN registry.npmjs.org"));
        Assert.Equal("network", BlockedBy("fatal: unable to access 'https://github.com/x/y/': Could not resolve host: github.com"));
        Assert.Null(BlockedBy("curl: (6) Could not resolve host: example.com", policy: _root.DefaultPolicy().Relax("network")));
    }

    [Fact]
    public void Missing_or_unreadable_files_under_a_denied_directory_name_the_read_deny()
    {
        Assert.Equal($"read-deny:{_root.HostHome}/.ssh", BlockedBy($"cat: {_root.HostHome}/.ssh/id_rsa: No such file or directory"));
        Assert.Equal($"read-deny:{_root.HostHome}/.ssh", BlockedBy($"Warning: Identity file {_root.HostHome}/.ssh/id_rsa not accessible: No such file or directory."));
    }

    [Fact]
    public void Ordinary_failures_and_successes_are_not_blamed_on_the_sandbox()
    {
        Assert.Null(BlockedBy("cat: nothere.txt: No such file or directory"));
        // Missing on the host too: lifting the deny would not help.
        Assert.Null(BlockedBy($"cat: {_root.HostHome}/.aws/credentials: No such file or directory"));
        Assert.Null(BlockedBy("make: *** [Makefile:2: all] Error 1"));
        Assert.Null(BlockedBy("", exit: 2));
        Assert.Null(BlockedBy("touch: cannot touch '/etc/x': Read-only file system", exit: 0));
        Assert.Null(BlockedBy($"touch: cannot touch '{_root.Workspace}/x': Read-only file system"));
    }

    [Fact]
    public void The_diagnosis_keeps_the_evidence_and_the_path()
    {
        var block = SandboxDiagnosis.Diagnose(_root.DefaultPolicy(), 1, "warning: x\ntouch: cannot touch '/etc/a': Read-only file system\n", _root.Workspace)!;
        Assert.Equal("write-allow:/etc", block.RuleId);
        Assert.Equal("/etc/a", block.Path);
        Assert.Equal("touch: cannot touch '/etc/a': Read-only file system", block.Evidence);
        // What it names can be lifted for an approved re-run.
        Assert.Contains("/etc", _root.DefaultPolicy().Relax(block.RuleId).WriteAllow);
    }
}
