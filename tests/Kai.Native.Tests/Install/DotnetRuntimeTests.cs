using Kai.Native.Install;
using Kai.Native.Platform.Services;
using Xunit;

namespace Kai.Native.Tests.Install;

public sealed class DotnetRuntimeTests
{
    private static readonly DotnetFramework Net8 = new("Microsoft.NETCore.App", new Version(8, 0, 0));

    [Theory]
    [InlineData("Major", "10.0.12", true)]
    [InlineData("Minor", "10.0.12", false)]
    [InlineData("Minor", "8.0.11", true)]
    [InlineData("LatestPatch", "8.1.0", false)]
    [InlineData("Disable", "8.0.1", false)]
    [InlineData("Major", "7.0.20", false)]
    public void Roll_forward_policy_decides_which_installed_runtime_can_run_the_app(string policy, string installed, bool resolves)
    {
        var found = DotnetRuntime.Resolve(Net8, policy, [new DotnetFramework("Microsoft.NETCore.App", Version.Parse(installed)), new DotnetFramework("Other", new Version(99, 0))]);
        Assert.Equal(resolves, found is not null);
    }

    [Fact]
    public void List_runtimes_output_and_the_real_runtimeconfig_parse()
    {
        var parsed = DotnetRuntime.ParseListRuntimes(
            "Microsoft.AspNetCore.App 10.0.12 [/usr/share/dotnet/shared/Microsoft.AspNetCore.App]\nMicrosoft.NETCore.App 9.0.0-preview.3.1 [/x]\n");
        Assert.Equal([new DotnetFramework("Microsoft.AspNetCore.App", new Version(10, 0, 12)), new DotnetFramework("Microsoft.NETCore.App", new Version(9, 0, 0))], parsed);
        var requirement = DotnetRuntime.ReadRequirement(Path.Combine(FakePayload.RealBin, "kai.runtimeconfig.json"));
        Assert.Contains(Net8, requirement.Frameworks);
        Assert.Equal("Major", requirement.RollForward);
        // The machine running these tests runs kai, so its runtime must satisfy kai's requirement.
        Assert.NotEmpty(DotnetRuntime.Verify(requirement, DotnetRuntime.FindDotnetRoot()));
    }

    [Fact]
    public void Runtime_checksum_follows_the_descriptor_files_and_the_runtime_location()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["kai.runtimeconfig.json"], "{}");
        File.WriteAllText(dir["kai.deps.json"], "{}");
        File.WriteAllText(dir["kai.dll"], "code");
        var first = DotnetRuntime.Checksum(dir.Path, "/usr/share/dotnet");
        File.WriteAllText(dir["kai.dll"], "other code");
        Assert.Equal(first, DotnetRuntime.Checksum(dir.Path, "/usr/share/dotnet"));
        Assert.NotEqual(first, DotnetRuntime.Checksum(dir.Path, "/opt/dotnet"));
        File.WriteAllText(dir["kai.deps.json"], "{\"x\":1}");
        Assert.NotEqual(first, DotnetRuntime.Checksum(dir.Path, "/usr/share/dotnet"));
    }

    [Fact]
    public void Service_manager_output_parses()
    {
        Assert.Equal(252, SystemdServiceManager.ParseVersion("systemd 252 (252.38-1~deb12u1)\n+PAM +AUDIT"));
        var running = SystemdServiceManager.ParseShow("LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=4242\nNRestarts=0\n");
        Assert.Equal((ServiceRunState.Running, true, (int?)4242), (running.State, running.Enabled, running.ProcessId));
        Assert.Equal(ServiceRunState.NotLoaded, SystemdServiceManager.ParseShow("LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\nMainPID=0\n").State);
        Assert.Equal(ServiceRunState.Starting, SystemdServiceManager.ParseShow("LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nMainPID=0\n").State);
        var launchd = LaunchdServiceManager.ParsePrint("system/com.syrinx.kai = {\n\tstate = running\n\tpid = 77\n}", "disabled services = {\n\t\"com.other\" => disabled\n}", "com.syrinx.kai");
        Assert.Equal((ServiceRunState.Running, true, (int?)77), (launchd.State, launchd.Enabled, launchd.ProcessId));
        var disabled = LaunchdServiceManager.ParsePrint("state = not running", "\t\"com.syrinx.kai\" => disabled", "com.syrinx.kai");
        Assert.Equal((ServiceRunState.Stopped, false), (disabled.State, disabled.Enabled));
    }

    [Fact]
    public void Payload_filter_keeps_vcs_cache_and_env_files_out()
    {
        foreach (var path in new[] { ".git", "Kai/.git", "obj", "x/__pycache__", ".venv" })
            Assert.True(PayloadFilter.IsExcluded(path, isDirectory: true), path);
        foreach (var path in new[] { ".env", "bin/.env.local", "bin/kai.pdb", "a.pyc", "install.conf", "home", "run.sh", ".runtime.sha256" })
            Assert.True(PayloadFilter.IsExcluded(path, isDirectory: path == "home"), path);
        foreach (var path in new[] { "bin/kai", "Kai/Kai.psd1", "bin/runtimes/linux-x64/native/libe_sqlite3.so", "Kai/home/x" })
            Assert.False(PayloadFilter.IsExcluded(path, isDirectory: false), path);
    }
}
