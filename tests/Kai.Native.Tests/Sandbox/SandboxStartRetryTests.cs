using Kai.Native.Sandbox;
using Xunit;

namespace Kai.Native.Tests.Sandbox;

public sealed class SandboxStartRetryTests
{
    private const string Race =
        "bwrap: Can't bind mount /oldroot/dev/null on /newroot/etc/shadow: Unable to mount source on destination: No such file or directory\n";

    [Theory]
    [InlineData(Race, true)]
    [InlineData("bwrap: Can't bind mount /oldroot/dev/null on /newroot/etc/shadow: Unable to find \"/newroot/etc/shadow\" in mount table\n", true)]
    [InlineData("bwrap: Can't create file at /home/u/.env: Read-only file system\n", true)]
    [InlineData("bwrap: Can't create file at /srv/locked/secret: Permission denied\n", false)]
    [InlineData("bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.\n", false)]
    [InlineData("cat: /etc/shadow: No such file or directory\n", false)]
    [InlineData(null, false)]
    public void Knows_a_mount_race_from_other_failures(string? error, bool race) => Assert.Equal(race, SandboxStartRetry.IsMountRace(error));

    [Fact]
    public void A_start_that_races_a_replaced_file_twice_is_retried_and_then_succeeds()
    {
        var attempts = 0;
        var discarded = new List<int>();
        var sleeps = new List<TimeSpan>();
        var result = SandboxStartRetry.Run(
            () => ++attempts,
            attempt => attempt <= 2 ? Race : null, // a fake spawn: fails twice with bwrap's start-race error
            discarded.Add,
            "bubblewrap",
            sleeps.Add);
        Assert.Equal(3, result);
        Assert.Equal(3, attempts);
        Assert.Equal(new[] { 1, 2 }, discarded);
        Assert.Equal(2, sleeps.Count);
        Assert.All(sleeps, s => Assert.InRange(s, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Another_failure_is_returned_as_it_is_without_a_retry()
    {
        var attempts = 0;
        var result = SandboxStartRetry.Run(() => ++attempts, _ => "bwrap: execvp nope: No such file or directory", _ => throw new InvalidOperationException("not discarded"), "bubblewrap", _ => { });
        Assert.Equal(1, result);
    }

    [Fact]
    public void A_start_that_keeps_racing_fails_closed()
    {
        var attempts = 0;
        var discarded = 0;
        var error = Assert.Throws<KaiException>(() => SandboxStartRetry.Run(() => ++attempts, _ => Race, _ => discarded++, "bubblewrap", _ => { }));
        Assert.Equal("SandboxStartFailed", error.ErrorId);
        Assert.Contains("/newroot/etc/shadow", error.Message);
        Assert.Equal(SandboxStartRetry.MaxAttempts, attempts);
        Assert.Equal(SandboxStartRetry.MaxAttempts, discarded);
    }

    [Fact]
    public void A_sandboxed_run_reports_the_command_stderr_without_the_ready_marker()
    {
        if (!new BubblewrapBackend().Probe().IsAvailable) return;
        var directory = Directory.CreateTempSubdirectory("kai-retry-").FullName;
        try
        {
            var context = new SandboxContext(directory, directory, directory);
            var policy = SandboxPolicies.Default(context);
            var result = SandboxProcess.Run(new BubblewrapBackend(), policy,
                new SandboxSpawn(["/bin/bash", "--noprofile", "--norc", "-c", "echo out; echo err >&2"], directory, SandboxEnvironment.Current()));
            Assert.Equal("out\n", result.Output);
            Assert.Equal("err\n", result.Error);
            Assert.Equal(0, result.ExitCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
