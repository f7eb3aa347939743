using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

public sealed class SandboxPolicyTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void The_default_policy_hides_credentials_and_allows_only_the_session_places()
    {
        var policy = _root.DefaultPolicy();
        foreach (var home in new[] { _root.HostHome, "/root" })
            foreach (var relative in new[] { ".ssh", ".gnupg", ".aws", ".config/gcloud", ".azure", ".kube", ".docker/config.json", ".config/gh", ".netrc", ".git-credentials" })
                Assert.Contains($"{home}/{relative}", policy.ReadDeny);
        Assert.Contains(_root.Secrets, policy.ReadDeny);
        Assert.Contains(_root.Data, policy.ReadDeny);
        Assert.Contains(_root.Workspace + "/**/.env", policy.ReadDeny);
        Assert.Contains("/etc/shadow", policy.ReadDeny);
        Assert.Contains("/run", policy.ReadDeny);
        Assert.Equal(new[] { _root.Workspace, _root.Home, _root.Temp }, policy.WriteAllow);
        Assert.Contains(_root.Workspace + "/.bashrc", policy.WriteDeny);
        Assert.Contains(_root.Home + "/.profile", policy.WriteDeny);
        Assert.Contains(_root.Workspace + "/**/.git/hooks", policy.WriteDeny);
        Assert.Contains(_root.Workspace + "/**/.git/config", policy.WriteDeny);
        Assert.False(policy.Network);
        Assert.Equal(new[] { "PATH", "LANG", "LC_*", "TERM", "TZ" }, policy.EnvironmentAllow);
        Assert.Equal(_root.Home, policy.EnvironmentSet["HOME"]);
        Assert.Equal("/bin/bash", policy.EnvironmentSet["SHELL"]);
        Assert.Equal(_root.Temp, policy.EnvironmentSet["TMPDIR"]);
        Assert.True(policy.EnvironmentSet.ContainsKey("USER"));
        Assert.Null(policy.MemoryLimitBytes);
        Assert.Null(policy.MaxProcesses);
        Assert.Equal("default", policy.Source);
    }

    [Fact]
    public void The_etc_kai_directory_is_denied_when_the_context_names_no_secrets_directory()
    {
        var policy = SandboxPolicies.Default(_root.Context with { SecretsDirectory = null });
        Assert.Contains("/etc/kai", policy.ReadDeny);
    }

    [Fact]
    public void Every_rule_has_a_stable_id()
    {
        var policy = _root.DefaultPolicy() with { MemoryLimitBytes = 1L << 30, MaxProcesses = 64 };
        var ids = policy.Rules.Select(r => r.Id).ToList();
        Assert.Contains("network", ids);
        Assert.Contains($"read-deny:{_root.HostHome}/.ssh", ids);
        Assert.Contains($"write-allow:{_root.Workspace}", ids);
        Assert.Contains($"write-deny:{_root.Workspace}/.bashrc", ids);
        Assert.Contains("scratch:/tmp", ids);
        Assert.Contains("limit:memory", ids);
        Assert.Contains("limit:processes", ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(SandboxRuleIds.TryParse($"read-deny:{_root.HostHome}/.ssh", out var kind, out var path));
        Assert.Equal(SandboxRuleKind.ReadDeny, kind);
        Assert.Equal($"{_root.HostHome}/.ssh", path);
        Assert.False(SandboxRuleIds.TryParse("frobnicate:/x", out _, out _));
    }

    [Fact]
    public void Relax_lifts_exactly_one_rule_and_leaves_the_original_alone()
    {
        var policy = _root.DefaultPolicy() with { MemoryLimitBytes = 1L << 30 };
        var ssh = $"{_root.HostHome}/.ssh";

        var network = policy.Relax("network");
        Assert.True(network.Network);
        Assert.False(policy.Network);
        Assert.Equal(policy.ReadDeny, network.ReadDeny);

        var readable = policy.Relax($"read-deny:{ssh}");
        Assert.DoesNotContain(ssh, readable.ReadDeny);
        Assert.Equal(policy.ReadDeny.Count - 1, readable.ReadDeny.Count);
        Assert.Contains(ssh, policy.ReadDeny);

        var hooks = policy.Relax($"write-deny:{_root.Workspace}/**/.git/hooks");
        Assert.DoesNotContain($"{_root.Workspace}/**/.git/hooks", hooks.WriteDeny);
        Assert.Equal(policy.WriteDeny.Count - 1, hooks.WriteDeny.Count);

        var etc = policy.Relax("write-allow:/etc/x/");
        Assert.Contains("/etc/x", etc.WriteAllow);
        Assert.Equal(policy.WriteAllow.Count + 1, etc.WriteAllow.Count);
        Assert.Same(policy, policy.Relax($"write-allow:{_root.Workspace}"));

        Assert.Null(policy.Relax("limit:memory").MemoryLimitBytes);

        var unknown = Assert.Throws<KaiException>(() => policy.Relax("read-deny:/not/denied"));
        Assert.Equal("SandboxRuleNotFound", unknown.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, unknown.Kind);
        Assert.Equal("SandboxRuleNotFound", Assert.Throws<KaiException>(() => policy.Relax("bogus")).ErrorId);
        Assert.Equal("SandboxRuleNotFound", Assert.Throws<KaiException>(() => policy.Relax("limit:processes")).ErrorId);
        Assert.Equal("SandboxRuleNotRelaxable", Assert.Throws<KaiException>(() => policy.Relax("scratch:/tmp")).ErrorId);
    }

    [Fact]
    public void The_hash_is_canonical_stable_and_sensitive_to_every_rule()
    {
        var policy = _root.DefaultPolicy();
        Assert.Matches("^[0-9a-f]{64}$", policy.Hash);
        Assert.Equal(policy.Hash, SandboxPolicies.Default(_root.Context).Hash);
        // Order and duplicates do not matter.
        Assert.Equal(policy.Hash, (policy with { ReadDeny = policy.ReadDeny.Reverse().Concat(policy.ReadDeny).ToArray() }).Hash);
        // The session's own paths are canonical: another session with the same rules has the same hash.
        var other = SandboxPolicies.Default(_root.Context with { Home = "/srv/kai/s2/home", TempDirectory = "/srv/kai/s2/tmp", Workspace = "/srv/code" });
        Assert.Equal(policy.Hash, other.Hash);
        Assert.Contains("${workspace}/**/.env", policy.CanonicalForm());
        Assert.DoesNotContain(_root.Workspace, policy.CanonicalForm());

        var variants = new[]
        {
            policy.Relax("network"),
            policy.Relax($"read-deny:{_root.HostHome}/.ssh"),
            policy.Relax("write-allow:/srv/extra"),
            policy with { MemoryLimitBytes = 1L << 30 },
            policy with { MaxProcesses = 100 },
            policy with { EnvironmentAllow = policy.EnvironmentAllow.Append("EDITOR").ToArray() },
            policy with { Scratch = new[] { "/tmp" } },
        };
        Assert.Equal(variants.Length + 1, variants.Select(v => v.Hash).Append(policy.Hash).Distinct().Count());
    }

    [Theory]
    [InlineData("relative/path", "SandboxPolicyInvalid")]
    [InlineData("/", "SandboxPolicyInvalid")]
    public void Invalid_read_denies_are_refused(string path, string errorId)
    {
        var error = Assert.Throws<KaiException>(() => (_root.DefaultPolicy() with { ReadDeny = new[] { path } }).Validate());
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(KaiErrorKind.InvalidData, error.Kind);
        Assert.Contains("read-deny:" + path, error.Message);
    }

    [Fact]
    public void Unenforceable_rules_are_errors_not_gaps()
    {
        var policy = _root.DefaultPolicy();
        var glob = Assert.Throws<KaiException>(() => (policy with { WriteAllow = new[] { "/srv/*/cache" } }).Validate());
        Assert.Equal("SandboxRuleUnenforceable", glob.ErrorId);
        Assert.Equal("SandboxPolicyInvalid", Assert.Throws<KaiException>(() => (policy with { ReadDeny = new[] { "/a/b**c" } }).Validate()).ErrorId);
        Assert.Equal("SandboxPolicyInvalid", Assert.Throws<KaiException>(() => (policy with { ReadDeny = new[] { "/a/[bc" } }).Validate()).ErrorId);
        Assert.Equal("SandboxPolicyInvalid", Assert.Throws<KaiException>(() => (policy with { MemoryLimitBytes = 1024 }).Validate()).ErrorId);
        Assert.Equal("SandboxPolicyInvalid", Assert.Throws<KaiException>(() => (policy with { MaxProcesses = 1 }).Validate()).ErrorId);
        Assert.Equal("SandboxPolicyInvalid", Assert.Throws<KaiException>(() => (policy with { Scratch = new[] { "/" } }).Validate()).ErrorId);

        // A write-allow that cannot be created fails when the sandbox is prepared.
        var blocker = _root.File("afile", "x");
        var missing = Assert.Throws<KaiException>(() => SandboxMountPlan.Build(policy with { WriteAllow = new[] { blocker + "/sub" } }));
        Assert.Equal("SandboxRuleUnenforceable", missing.ErrorId);
        Assert.Equal($"write-allow:{blocker}/sub", missing.Target);

        // A glob too broad to expand before every start is refused, not silently truncated.
        for (var i = 0; i < 30; i++) _root.File($"ws/many/f{i}", "");
        var broad = Assert.Throws<KaiException>(() => SandboxMountPlan.Build(policy, globBudget: 10));
        Assert.Equal("SandboxRuleUnenforceable", broad.ErrorId);
    }

    [Theory]
    [InlineData("KAI_API_SECRET")]
    [InlineData("TELEGRAM_BOT_TOKEN")]
    [InlineData("WEBHOOK_SECRET")]
    [InlineData("PERPLEXITY_API_KEY")]
    [InlineData("SSH_AUTH_SOCK")]
    [InlineData("GITHUB_TOKEN")]
    [InlineData("AWS_SECRET_ACCESS_KEY")]
    [InlineData("*")]
    [InlineData("KA*")]
    [InlineData("SSH_*")]
    [InlineData("TELEGRAM_*")]
    public void Allow_listing_a_secret_is_an_error(string entry)
    {
        var error = Assert.Throws<KaiException>(() => (_root.DefaultPolicy() with { EnvironmentAllow = new[] { "PATH", entry } }).Validate());
        Assert.Equal("SandboxEnvironmentForbidden", error.ErrorId);
        Assert.Equal(KaiErrorKind.SecurityError, error.Kind);
        Assert.Equal(entry, error.Target);
    }

    [Fact]
    public void Ordinary_variables_and_prefixes_may_be_allow_listed()
    {
        var policy = (_root.DefaultPolicy() with { EnvironmentAllow = new[] { "PATH", "GIT_AUTHOR_*", "EDITOR", "LC_*" } }).Validate();
        var built = SandboxEnvironment.Build(policy, new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = "Kai",
            ["GIT_AUTHOR_TOKEN"] = "secret",
            ["EDITOR"] = "vi",
            ["HOME"] = "/root",
            ["OTHER"] = "x",
        });
        Assert.Equal("Kai", built["GIT_AUTHOR_NAME"]);
        Assert.Equal("vi", built["EDITOR"]);
        Assert.Equal(_root.Home, built["HOME"]);
        Assert.False(built.ContainsKey("GIT_AUTHOR_TOKEN"));
        Assert.False(built.ContainsKey("OTHER"));
    }

    [Fact]
    public void Even_without_a_sandbox_secrets_stay_out_of_the_environment()
    {
        using var command = NoSandboxBackend.Instance.Prepare(_root.DefaultPolicy(),
            new SandboxSpawn(new[] { "/bin/echo", "hi" }, _root.Workspace, new Dictionary<string, string> { ["PATH"] = "/bin", ["TELEGRAM_BOT_TOKEN"] = "t", ["KAI_X"] = "x" }));
        Assert.Equal("/bin/echo", command.FileName);
        Assert.Equal(new[] { "hi" }, command.Arguments);
        Assert.Equal("/bin", command.Environment["PATH"]);
        Assert.False(command.Environment.ContainsKey("TELEGRAM_BOT_TOKEN"));
        Assert.False(command.Environment.ContainsKey("KAI_X"));
        Assert.Equal(_root.Home, command.Environment["HOME"]);
    }

    [Fact]
    public void Paths_expand_against_the_context()
    {
        var c = _root.Context;
        Assert.Equal(_root.HostHome + "/.ssh", SandboxPolicies.ExpandPath("~/.ssh", c));
        Assert.Equal(_root.HostHome, SandboxPolicies.ExpandPath("~", c));
        Assert.Equal(_root.Workspace + "/a", SandboxPolicies.ExpandPath("${workspace}/./b/../a/", c));
        Assert.Equal(_root.Home + "/x", SandboxPolicies.ExpandPath("${home}/x", c));
        Assert.Equal(_root.Temp, SandboxPolicies.ExpandPath("${tmp}", c));
        Assert.Equal(_root.Data + "/kai.db", SandboxPolicies.ExpandPath("${data}/kai.db", c));
        Assert.Equal(_root.Workspace + "/**/*.pem", SandboxPolicies.ExpandPath("${workspace}//**/*.pem", c));
        Assert.Throws<FormatException>(() => SandboxPolicies.ExpandPath("${nope}/x", c));
        Assert.Throws<FormatException>(() => SandboxPolicies.ExpandPath("~bob/x", c));
        Assert.Throws<FormatException>(() => SandboxPolicies.ExpandPath("relative", c));
        Assert.Throws<FormatException>(() => SandboxPolicies.ExpandPath("${workspace", c));
    }

    [Fact]
    public void A_spec_from_parameters_extends_the_default()
    {
        var policy = SandboxPolicies.FromSpec(new SandboxPolicySpec
        {
            Network = true,
            ReadDeny = new[] { "${workspace}/secrets" },
            WriteAllow = new[] { "~/cache" },
            EnvironmentAllow = new[] { "EDITOR" },
            MaxProcesses = 50,
        }, _root.Context);
        Assert.True(policy.Network);
        Assert.Contains(_root.Workspace + "/secrets", policy.ReadDeny);
        Assert.Contains(_root.HostHome + "/.ssh", policy.ReadDeny);
        Assert.Contains(_root.HostHome + "/cache", policy.WriteAllow);
        Assert.Contains("EDITOR", policy.EnvironmentAllow);
        Assert.Equal(50, policy.MaxProcesses);
        Assert.Equal("parameters", policy.Source);

        var bare = SandboxPolicies.FromSpec(new SandboxPolicySpec { ExtendDefault = false, WriteAllow = new[] { "${workspace}" } }, _root.Context);
        Assert.Empty(bare.ReadDeny);
        Assert.Equal(new[] { _root.Workspace }, bare.WriteAllow);
        Assert.Equal(_root.Home, bare.EnvironmentSet["HOME"]);
    }
}
