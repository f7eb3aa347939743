using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

public sealed class SandboxPolicyFileTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private SandboxPolicy Load(string name, string text) => SandboxPolicies.Load(_root.File(name, text), _root.Context);

    private KaiException Fails(string name, string text) => Assert.Throws<KaiException>(() => Load(name, text));

    [Fact]
    public void A_yaml_policy_extends_the_default_with_every_setting()
    {
        var policy = Load("policy.yaml", """
            # build sandbox
            extends: default
            network: yes
            read:
              deny: [ "~/.config/secret", "${workspace}/**/*.pem" ]
              allow: [ "${data}/public" ]
            write:
              allow:
                - /srv/cache
              deny: [ "${workspace}/deploy" ]
            scratch: [ /var/cache/scratch ]
            environment:
              allow: [ EDITOR, "GIT_AUTHOR_*" ]
              set: { PAGER: cat }
            limits:
              memory: 2GiB
              processes: 256
            """);
        Assert.True(policy.Network);
        Assert.Contains(_root.HostHome + "/.config/secret", policy.ReadDeny);
        Assert.Contains(_root.Workspace + "/**/*.pem", policy.ReadDeny);
        Assert.Contains(_root.HostHome + "/.ssh", policy.ReadDeny);
        Assert.Contains(_root.Data + "/public", policy.ReadAllow);
        Assert.Contains("/srv/cache", policy.WriteAllow);
        Assert.Contains(_root.Workspace, policy.WriteAllow);
        Assert.Contains(_root.Workspace + "/deploy", policy.WriteDeny);
        Assert.Contains("/var/cache/scratch", policy.Scratch);
        Assert.Contains("/tmp", policy.Scratch);
        Assert.Contains("GIT_AUTHOR_*", policy.EnvironmentAllow);
        Assert.Equal("cat", policy.EnvironmentSet["PAGER"]);
        Assert.Equal(2L << 30, policy.MemoryLimitBytes);
        Assert.Equal(256, policy.MaxProcesses);
        Assert.EndsWith("policy.yaml", policy.Source);
    }

    [Fact]
    public void A_json_policy_loads_too_and_extends_none_starts_empty()
    {
        var policy = Load("policy.json", """
            {
              "extends": "none",
              "network": false,
              "write": { "allow": ["${workspace}", "${tmp}"] },
              "read": { "deny": ["${workspace}/private"] },
              "limits": { "memory": 536870912 }
            }
            """);
        Assert.Equal(new[] { _root.Workspace, _root.Temp }, policy.WriteAllow);
        Assert.Equal(new[] { _root.Workspace + "/private" }, policy.ReadDeny);
        Assert.Empty(policy.WriteDeny);
        Assert.Empty(policy.Scratch);
        Assert.Equal(512L << 20, policy.MemoryLimitBytes);
    }

    [Fact]
    public void An_unknown_setting_names_the_file_line_and_field()
    {
        var error = Fails("p.yaml", "network: false\nwrite:\n  allow: [ /x ]\n  allwo: [ /y ]\n");
        Assert.Equal("SandboxPolicyInvalid", error.ErrorId);
        Assert.Equal(KaiErrorKind.InvalidData, error.Kind);
        Assert.EndsWith("p.yaml", (string)error.Target!);
        Assert.Contains("p.yaml', line 4, field 'write.allwo'", error.Message);
        Assert.Contains("unknown setting", error.Message);
    }

    [Theory]
    [InlineData("network: maybe\n", "line 1, field 'network'", "not true or false")]
    [InlineData("read:\n  deny: ~/.ssh\n", "line 2, field 'read.deny'", "expected a list")]
    [InlineData("read:\n  deny:\n    - ok/relative\n", "line 3, field 'read.deny[0]'", "not an absolute path")]
    [InlineData("write:\n  deny: [ \"${nope}/x\" ]\n", "line 2, field 'write.deny[0]'", "unknown variable ${nope}")]
    [InlineData("limits:\n  memory: lots\n", "line 2, field 'limits.memory'", "not a size")]
    [InlineData("limits:\n  processes: -3\n", "line 2, field 'limits.processes'", "not a positive whole number")]
    [InlineData("extends: mine\n", "line 1, field 'extends'", "not 'default' or 'none'")]
    [InlineData("frobnicate: 1\n", "line 1, field 'frobnicate'", "unknown setting")]
    [InlineData("- just\n- a list\n", "line 1", "expected a mapping")]
    [InlineData("read: { deny: [ /a\n", "line 2", "")]
    [InlineData("", "line 1", "empty")]
    public void Yaml_errors_are_located(string text, string location, string problem)
    {
        var error = Fails("bad.yaml", text);
        Assert.Equal("SandboxPolicyInvalid", error.ErrorId);
        Assert.Contains(location, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Semantic_errors_found_after_reading_point_back_at_their_line()
    {
        var error = Fails("env.yaml", "network: false\nenvironment:\n  allow:\n    - PATH\n    - GITHUB_TOKEN\n");
        Assert.Equal("SandboxEnvironmentForbidden", error.ErrorId);
        Assert.Equal(KaiErrorKind.SecurityError, error.Kind);
        Assert.Contains("line 5, field 'environment.allow[1]'", error.Message);

        var limit = Fails("limit.yaml", "limits:\n  memory: 1K\n");
        Assert.Contains("line 2, field 'limits.memory'", limit.Message);

        var glob = Fails("glob.yaml", "write:\n  allow:\n    - /srv/*/cache\n");
        Assert.Equal("SandboxRuleUnenforceable", glob.ErrorId);
        Assert.Contains("line 3, field 'write.allow[0]'", glob.Message);
    }

    [Fact]
    public void Json_syntax_errors_name_the_line()
    {
        var error = Fails("bad.json", "{\n  \"network\": true,\n  \"read\": { \"deny\": [ \"/a\" \n}\n");
        Assert.Equal("SandboxPolicyInvalid", error.ErrorId);
        Assert.Contains("bad.json', line 4", error.Message);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void A_missing_file_is_object_not_found()
    {
        var error = Assert.Throws<KaiException>(() => SandboxPolicies.Load(Path.Combine(_root.Root, "nope.yaml"), _root.Context));
        Assert.Equal("SandboxPolicyNotFound", error.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, error.Kind);
    }

    [Theory]
    [InlineData("512", 512L)]
    [InlineData("512M", 512L << 20)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("64 KB", 64L << 10)]
    public void Sizes_parse_with_binary_units(string text, long bytes)
    {
        Assert.True(SandboxPolicyFile.TryParseSize(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("big")]
    [InlineData("5X")]
    [InlineData("-1G")]
    public void Bad_sizes_do_not_parse(string text) => Assert.False(SandboxPolicyFile.TryParseSize(text, out _));
}
