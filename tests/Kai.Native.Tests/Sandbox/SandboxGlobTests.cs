using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

public sealed class SandboxGlobTests : IDisposable
{
    private readonly SandboxTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("/ws/**/.env", "/ws/.env", true)]
    [InlineData("/ws/**/.env", "/ws/a/b/.env", true)]
    [InlineData("/ws/**/.env", "/ws/a/b/.env.bak", false)]
    [InlineData("/ws/**/.env", "/wsx/.env", false)]
    [InlineData("/ws/*.pem", "/ws/.hidden.pem", true)]
    [InlineData("/ws/*.pem", "/ws/a/b.pem", false)]
    [InlineData("/etc/ssh/ssh_host_*_key", "/etc/ssh/ssh_host_rsa_key", true)]
    [InlineData("/etc/ssh/ssh_host_*_key", "/etc/ssh/ssh_host_rsa_key.pub", false)]
    [InlineData("/a/file?.txt", "/a/file1.txt", true)]
    [InlineData("/a/[!x]y", "/a/zy", true)]
    [InlineData("/a/[!x]y", "/a/xy", false)]
    [InlineData("/a/**", "/a/b/c", true)]
    public void Patterns_match_whole_paths(string pattern, string path, bool match) => Assert.Equal(match, SandboxGlob.Parse(pattern).IsMatch(path));

    [Fact]
    public void The_base_directory_is_the_literal_prefix()
    {
        Assert.Equal("/ws", SandboxGlob.Parse("/ws/**/.env").BaseDirectory);
        Assert.Equal("/etc/ssh", SandboxGlob.Parse("/etc/ssh/ssh_host_*_key").BaseDirectory);
        Assert.Throws<FormatException>(() => SandboxGlob.Parse("/no/wildcard"));
        Assert.Throws<FormatException>(() => SandboxGlob.Parse("relative/*"));
    }

    [Fact]
    public void Expansion_walks_once_per_base_and_does_not_follow_directory_links()
    {
        _root.File("ws/.env", "");
        _root.File("ws/a/.env", "");
        _root.File("ws/a/b/.env", "");
        _root.File("ws/a/b/x.pem", "");
        _root.File("outside/.env", "");
        Directory.CreateSymbolicLink(Path.Combine(_root.Workspace, "link"), Path.Combine(_root.Root, "outside"));
        var env = SandboxGlob.Parse(_root.Workspace + "/**/.env");
        var pem = SandboxGlob.Parse(_root.Workspace + "/**/*.pem");
        var found = SandboxGlob.ExpandAll(new[] { env, pem });
        Assert.Equal(new[] { "/.env", "/a/.env", "/a/b/.env" }, found[env].Select(p => p[_root.Workspace.Length..]).Order());
        Assert.Equal(new[] { _root.Workspace + "/a/b/x.pem" }, found[pem]);
        Assert.Throws<GlobTooBroadException>(() => env.Expand(budget: 3));
    }

    [Fact]
    public void A_remembered_expansion_is_reused_only_while_no_directory_changed()
    {
        _root.File("ws/a/b/.env", "");
        var old = DateTime.UtcNow.AddHours(-1);
        foreach (var directory in new[] { "ws", "ws/a", "ws/a/b" }) Directory.SetLastWriteTimeUtc(Path.Combine(_root.Root, directory), old);
        var glob = SandboxGlob.Parse(_root.Workspace + "/**/.env");
        Assert.Single(glob.Expand());
        Assert.Single(glob.Expand());

        // A new file deep down changes its directory's time: the next expansion walks again and finds it.
        _root.File("ws/a/b/c/.env", "");
        Assert.Equal(2, glob.Expand().Count);
        // So does a removal.
        File.Delete(Path.Combine(_root.Workspace, "a/b/.env"));
        Assert.Single(glob.Expand());
    }

    [Fact]
    public void Secret_names_are_recognised()
    {
        foreach (var name in new[] { "KAI_ANYTHING", "TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "PERPLEXITY_API_KEY", "SSH_AUTH_SOCK", "my_password", "NPM_TOKEN", "AWS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS" })
            Assert.True(SandboxEnvironment.IsForbidden(name), name);
        foreach (var name in new[] { "PATH", "LANG", "LC_ALL", "TERM", "TZ", "GIT_AUTHOR_NAME", "EDITOR", "KEYBOARD_LAYOUT" })
            Assert.False(SandboxEnvironment.IsForbidden(name), name);
    }
}
