using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

public sealed class SbplProfileTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private static string Render(SandboxPolicy policy) => SbplProfile.Render(policy, p => p);

    [Fact]
    public void The_profile_denies_reads_allows_writes_only_in_the_allow_list_and_cuts_the_network()
    {
        var profile = Render(_root.DefaultPolicy());
        Assert.StartsWith("(version 1)\n", profile);
        Assert.Contains("(allow default)\n", profile);
        Assert.Contains("(deny network*)\n", profile);
        Assert.Contains($"(deny file-read* (subpath \"{_root.HostHome}/.ssh\"))", profile);
        Assert.Contains($"(deny file-read* (subpath \"{_root.Data}\"))", profile);
        Assert.Contains("(deny file-write*)\n", profile);
        Assert.Contains($"(allow file-write* (subpath \"{_root.Workspace}\"))", profile);
        Assert.Contains($"(deny file-write* (subpath \"{_root.Workspace}/.bashrc\"))", profile);
        Assert.Contains("(deny process-info*)", profile);
        Assert.Contains("(allow process-info* (target same-sandbox))", profile);
        Assert.Contains(";; rule network", profile);
        // The write allow-list comes after the blanket deny, the write denies after the allow-list.
        Assert.True(profile.IndexOf("(deny file-write*)\n", StringComparison.Ordinal) < profile.IndexOf($"(allow file-write* (subpath \"{_root.Workspace}\"))", StringComparison.Ordinal));
        Assert.True(profile.IndexOf($"(allow file-write* (subpath \"{_root.Workspace}\"))", StringComparison.Ordinal)
                    < profile.IndexOf($"(deny file-write* (subpath \"{_root.Workspace}/.bashrc\"))", StringComparison.Ordinal));
        Assert.DoesNotContain("(deny network*)", Render(_root.DefaultPolicy().Relax("network")));
    }

    [Fact]
    public void A_workspace_beneath_a_denied_directory_is_readable_again()
    {
        var workspace = _root.Dir("data/files/chat");
        var profile = Render(SandboxPolicies.Default(_root.Context with { Workspace = workspace }));
        var deny = profile.IndexOf($"(deny file-read* (subpath \"{_root.Data}\"))", StringComparison.Ordinal);
        var allow = profile.IndexOf($"(allow file-read* (subpath \"{workspace}\"))", StringComparison.Ordinal);
        Assert.True(deny > 0 && allow > deny);
    }

    [Fact]
    public void Globs_become_anchored_posix_regexes_that_win_over_directory_rules()
    {
        var profile = Render(_root.DefaultPolicy());
        var regex = $"(deny file-read* (regex #\"^{SandboxGlob.PosixLiteral(_root.Workspace)}(/[^/]+)*/[.]env$\"))";
        Assert.Contains(regex, profile);
        Assert.True(profile.IndexOf(regex, StringComparison.Ordinal) > profile.IndexOf($"(allow file-read* (subpath \"{_root.Workspace}\"))", StringComparison.Ordinal));
        Assert.Equal("^/a/[.]git/[^/]*[.]pem$", SandboxGlob.Parse("/a/.git/*.pem").PosixRegex);
        Assert.Equal("^/a/x[0-9]/b$", SandboxGlob.Parse("/a/x[0-9]/b").PosixRegex);
        Assert.Equal("^/a/[^/x]$", SandboxGlob.Parse("/a/[!x]").PosixRegex);
    }

    [Theory]
    [InlineData("/ws/quote\"d", "(subpath \"/ws/quote\\\"d\")")]
    [InlineData("/ws/back\\slash", "(subpath \"/ws/back\\\\slash\")")]
    [InlineData("/ws/new\nline", "(subpath \"/ws/new\\nline\")")]
    [InlineData("/ws/x\")) (allow network-outbound) (\"", "(subpath \"/ws/x\\\")) (allow network-outbound) (\\\"\")")]
    public void Paths_are_escaped_so_they_cannot_end_the_string_or_inject_a_rule(string path, string expected)
    {
        var policy = _root.DefaultPolicy() with { WriteDeny = new[] { path } };
        var profile = Render(policy);
        Assert.Contains($"(deny file-write* {expected})", profile);
        // Whatever the path, the profile has exactly the rules we wrote: one per line, balanced.
        foreach (var line in profile.Split('\n').Where(l => l.StartsWith('(')))
            Assert.Equal(line.Count(c => c == '(') - Escaped(line, '('), line.Count(c => c == ')') - Escaped(line, ')'));
        Assert.DoesNotContain("\n(allow file-write* (subpath \"/\"))", profile);
    }

    /// <summary>Parentheses inside string literals do not count.</summary>
    private static int Escaped(string line, char c)
    {
        var count = 0;
        var inString = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\' && inString) { i++; continue; }
            if (line[i] == '"') inString = !inString;
            else if (inString && line[i] == c) count++;
        }
        return count;
    }

    [Fact]
    public void Regex_literals_escape_metacharacters_and_quotes()
    {
        var glob = SandboxGlob.Parse("/w\"s/a.b+(c)/**/*.env");
        Assert.Equal("^/w\"s/a[.]b[+][(]c[)](/[^/]+)*/[^/]*[.]env$", glob.PosixRegex);
        Assert.Equal("\"^/w\\\"s\"", SbplProfile.Quote("^/w\"s"));
        Assert.Throws<KaiException>(() => SbplProfile.Quote("/bell\a"));
    }

    [Fact]
    public void Sandbox_exec_writes_a_private_profile_per_spawn_and_removes_it_on_dispose()
    {
        var backend = new SandboxExecBackend(new SandboxExecHostOptions { BinaryPath = "/bin/true", RequireMacOS = false, ProfileDirectory = _root.Temp });
        var secretEnvironment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["KAI_SECRET"] = "s", ["GITHUB_TOKEN"] = "t" };
        var command = backend.Prepare(_root.DefaultPolicy(), new SandboxSpawn(new[] { "/bin/bash", "-c", "echo hi" }, _root.Workspace, secretEnvironment));
        Assert.Equal("/bin/true", command.FileName);
        Assert.Equal("-f", command.Arguments[0]);
        var profile = command.Arguments[1];
        Assert.StartsWith(_root.Temp, profile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(profile));
        Assert.Contains("(deny network*)", File.ReadAllText(profile));
        // The launcher: descriptors from /dev/fd, the environment cut down to the allowed names, cd to the workspace.
        Assert.Equal("/bin/bash", command.Arguments[2]);
        var script = command.Arguments[6];
        Assert.Contains("/dev/fd/*", script);
        Assert.Contains("compgen -e", script);
        Assert.Contains("cd -- \"$1\"", script);
        Assert.Equal(new[] { "kai-sandbox", _root.Workspace, "/bin/bash", "-c", "echo hi" }, command.Arguments.Skip(7));
        Assert.False(command.Environment.ContainsKey("KAI_SECRET"));
        Assert.False(command.Environment.ContainsKey("GITHUB_TOKEN"));
        Assert.Equal(_root.Home, command.Environment["HOME"]);
        command.Dispose();
        Assert.False(File.Exists(profile));
    }

    [Fact]
    public void Sandbox_exec_refuses_limits_it_cannot_enforce_and_is_unavailable_off_macos()
    {
        var backend = new SandboxExecBackend(new SandboxExecHostOptions { BinaryPath = "/bin/true", RequireMacOS = false, ProfileDirectory = _root.Temp });
        var spawn = new SandboxSpawn(new[] { "true" }, _root.Workspace, new Dictionary<string, string>());
        Assert.Equal("limit:memory", Assert.Throws<KaiException>(() => backend.Prepare(_root.DefaultPolicy() with { MemoryLimitBytes = 1L << 30 }, spawn)).Target);
        Assert.Equal("limit:processes", Assert.Throws<KaiException>(() => backend.Prepare(_root.DefaultPolicy() with { MaxProcesses = 10 }, spawn)).Target);
        Assert.Empty(Directory.EnumerateFiles(_root.Temp));

        var real = new SandboxExecBackend();
        Assert.False(real.Probe().IsAvailable);
        var error = Assert.Throws<KaiException>(() => SandboxBackends.Resolve(SandboxKind.SandboxExec, null, sandboxExec: real));
        Assert.Equal("SandboxUnavailable", error.ErrorId);
        Assert.Contains("macOS", error.Message);
    }
}
