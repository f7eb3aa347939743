using Kai.Native.Sandbox;
using Kai.Native.Sessions;
using Xunit;

namespace Kai.Native.Tests.Sessions;

/// <summary>
/// A host that replaces a hidden path (rename over a file, remove and recreate a directory) detaches the hiding mount
/// in a running sandbox: the session notices before the next command and runs it in a new sandbox instead.
/// </summary>
public sealed class SandboxIntegrityTests
{
    [Fact]
    public async Task A_hidden_file_or_directory_replaced_on_the_host_is_never_seen_and_the_sandbox_is_rebuilt()
    {
        if (!Bubblewrap.IsUsable) return;
        var workspace = Directory.CreateTempSubdirectory("kai-integrity-").FullName;
        try
        {
            var secret = Path.Combine(workspace, ".env");
            var secretDirectory = Path.Combine(workspace, "creds");
            File.WriteAllText(secret, "old-secret-value\n");
            Directory.CreateDirectory(secretDirectory);
            File.WriteAllText(Path.Combine(secretDirectory, "token"), "old-token\n");
            Directory.CreateDirectory(Path.Combine(workspace, "sub"));
            await using var host = SessionTestHost.Create(sandboxed: true, configure: o => o with
            {
                SkipPreflight = true, // a policy of its own: the probes are another test's business
                PolicyFactory = (context, _) =>
                {
                    var basis = SandboxPolicies.Default(context);
                    return basis with { ReadDeny = [.. basis.ReadDeny, secret, secretDirectory] };
                },
            });
            await host.StartAsync("s", workspace);

            var before = await host.RunAsync("s", $"cd sub && export KEEP=kept; cat {secret} 2>/dev/null || echo hidden; ls -A {secretDirectory} | wc -l");
            Assert.True("hidden\n0\n" == before.Output, before.Describe());

            // An editor's save: write a temporary file, rename it over the hidden one.
            var temporary = secret + ".tmp";
            File.WriteAllText(temporary, "new-secret-value\n");
            File.Move(temporary, secret, overwrite: true);

            var after = await host.RunAsync("s", $"echo ran >> {workspace}/runs; cat {secret} 2>/dev/null || echo hidden; echo \"$KEEP|$PWD\"");
            Assert.DoesNotContain("new-secret-value", after.Output + after.Error);
            Assert.Equal($"hidden\nkept|{workspace}/sub\n", after.Output);
            Assert.True(after.ShellRestarted, after.Describe());
            Assert.Contains($"sandbox rebuilt: {secret} was replaced on the host", after.Notice);
            Assert.Equal("ran\n", File.ReadAllText(Path.Combine(workspace, "runs"))); // refused in the old sandbox, run once in the new one

            var steady = await host.RunAsync("s", $"cat {secret} 2>/dev/null || echo hidden");
            Assert.Equal("hidden\n", steady.Output);
            Assert.False(steady.ShellRestarted);
            Assert.Null(steady.Notice);

            // A directory removed and made again (its tmpfs detaches just the same).
            Directory.Delete(secretDirectory, recursive: true);
            Directory.CreateDirectory(secretDirectory);
            File.WriteAllText(Path.Combine(secretDirectory, "token"), "new-token\n");
            var listed = await host.RunAsync("s", $"cat {secretDirectory}/token 2>/dev/null; ls -A {secretDirectory} | wc -l; echo \"$KEEP\"");
            Assert.DoesNotContain("new-token", listed.Output + listed.Error);
            Assert.Equal("0\nkept\n", listed.Output);
            Assert.True(listed.ShellRestarted, listed.Describe());
            Assert.Contains($"{secretDirectory} was replaced on the host", listed.Notice);
        }
        finally
        {
            Directory.Delete(workspace, recursive: true);
        }
    }

    [Fact]
    public void Checks_cover_hidden_files_hidden_directories_and_protected_files_and_name_the_failed_one()
    {
        var directory = Directory.CreateTempSubdirectory("kai-integrity-unit-").FullName;
        try
        {
            var rc = Path.Combine(directory, ".bashrc");
            File.WriteAllText(rc, "");
            var integrity = SandboxIntegrity.For(
            [
                new SandboxMount(SandboxMountKind.Writable, directory, "write-allow:x"),
                new SandboxMount(SandboxMountKind.HiddenFile, "/etc/it's", "read-deny:a"),
                new SandboxMount(SandboxMountKind.HiddenDirectory, "/root/.ssh", "read-deny:b"),
                new SandboxMount(SandboxMountKind.WriteProtected, rc, "write-deny:c"),
                new SandboxMount(SandboxMountKind.ReadOnly, "/root/.ssh/known_hosts", "read-allow:d"),
            ])!;
            Assert.Equal(3, integrity.Count);
            Assert.Equal($"( -c '/etc/it'\\''s' || ! -e '/etc/it'\\''s' ) && ( -u '/root/.ssh' || ! -e '/root/.ssh' ) && ! -w '{rc}'", integrity.Condition);
            Assert.Null(integrity.FailedPath(0));
            Assert.Null(integrity.FailedPath(255));
            Assert.Equal("/etc/it's", integrity.FailedPath(SandboxIntegrity.FirstFailureStatus));
            Assert.Equal("/root/.ssh", integrity.FailedPath(SandboxIntegrity.FirstFailureStatus + 1));
            Assert.Null(integrity.FailedPath(SandboxIntegrity.FirstFailureStatus + 3));
            Assert.Null(SandboxIntegrity.For([new SandboxMount(SandboxMountKind.Scratch, "/tmp", "scratch:/tmp")]));
            Assert.Contains("if [[ " + integrity.Condition + " ]]; then for __kai_x in ''", ShellFraming.PreludeFor(integrity));
            Assert.DoesNotContain("if [[", ShellFraming.Prelude);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
