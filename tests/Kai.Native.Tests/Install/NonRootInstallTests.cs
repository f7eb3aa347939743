using System.Diagnostics;
using Kai.Native.Install;
using Kai.Native.Platform;
using Xunit;

namespace Kai.Native.Tests.Install;

/// <summary>`kai install` run as a real unprivileged user (runuser): refused system-wide, fine for -Scope CurrentUser.</summary>
public sealed class NonRootInstallTests : IDisposable
{
    private static readonly string Kai = Path.Combine(FakePayload.RepoRoot, "artifacts", "bin", "kai");
    private readonly string _home;
    private readonly TestUser _user;

    public NonRootInstallTests()
    {
        _home = Path.Combine(Path.GetTempPath(), "kaitest-home-" + Guid.NewGuid().ToString("N")[..8]);
        _user = new TestUser(_home);
        Directory.CreateDirectory(_home);
        FakePayload.Create(Path.Combine(_home, "payload"));
        InstallConfigFile.Save(TestConfigs.For(_user.Name), Path.Combine(_home, "install.conf"));
        ProcessRunner.Run("chown", ["-R", $"{_user.Name}:", _home]);
    }

    private ProcessOutput AsUser(params string[] args) =>
        ProcessRunner.Run("runuser", ["-u", _user.Name, "--", Kai, .. args], TimeSpan.FromSeconds(120),
            new Dictionary<string, string?> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = null, ["XDG_DATA_HOME"] = null, ["XDG_RUNTIME_DIR"] = null });

    [Fact]
    public void Without_root_a_system_install_is_refused_before_anything_changes()
    {
        var output = AsUser("install", "apply", "--config", Path.Combine(_home, "install.conf"), "--source", Path.Combine(_home, "payload"));
        Assert.Equal(1, output.ExitCode);
        Assert.Contains("[InstallRequiresRoot]", output.StandardError);
        Assert.Contains("Nothing was changed", output.StandardError);

        var unwritable = AsUser("install", "apply", "--config", Path.Combine(_home, "install.conf"), "--source", Path.Combine(_home, "payload"), "--root", "/root/kai-stage");
        Assert.Equal(1, unwritable.ExitCode);
        Assert.Contains("[InstallTargetNotWritable]", unwritable.StandardError);
        Assert.False(Directory.Exists("/root/kai-stage"));

        var dryRun = AsUser("install", "apply", "--dry-run", "--config", Path.Combine(_home, "install.conf"), "--source", Path.Combine(_home, "payload"));
        Assert.True(dryRun.ExitCode == 2, dryRun.StandardError);
    }

    [Fact]
    public void A_CurrentUser_install_needs_no_root_and_uses_XDG_paths_a_user_unit_and_private_secrets()
    {
        var output = AsUser("install", "apply", "--scope", "CurrentUser", "--config", Path.Combine(_home, "install.conf"), "--source", Path.Combine(_home, "payload"));
        Assert.True(output.ExitCode == 2, output.StandardOutput + output.StandardError);
        var owner = $"{_user.Name}:{UnixAccounts.GroupName(_user.Account.Gid)}";
        Assert.Equal($"{owner} 0755", Disk.Describe(Path.Combine(_home, ".local/lib/kai/bin/kai")));
        Assert.Equal($"{owner} 0755", Disk.Describe(Path.Combine(_home, ".local/share/kai/memory")));
        Assert.Equal($"{owner} 0700", Disk.Describe(Path.Combine(_home, ".config/kai")));
        Assert.Equal($"{owner} 0600", Disk.Describe(Path.Combine(_home, ".config/kai/env")));
        var unit = File.ReadAllText(Path.Combine(_home, ".config/systemd/user/kai.service"));
        Assert.Contains($"ExecStart=\"{_home}/.local/lib/kai/bin/kai\" serve", unit);
        Assert.Contains($"KAI_ENV_FILE={_home}/.config/kai/env", unit);
        Assert.DoesNotContain("\nUser=", unit);
        Assert.DoesNotContain("sudoers", output.StandardOutput);
        Assert.Contains("skipped  StartService", output.StandardOutput);

        var again = AsUser("install", "apply", "--scope", "CurrentUser", "--config", Path.Combine(_home, "install.conf"), "--source", Path.Combine(_home, "payload"));
        Assert.True(again.ExitCode == 0, again.StandardOutput + again.StandardError);
    }

    [Fact]
    public void Status_without_root_reports_what_it_cannot_see_instead_of_failing_or_calling_it_drift()
    {
        using var stage = new TempDir();
        File.SetUnixFileMode(stage.Path, (UnixFileMode)0b111_101_101);
        var config = Path.Combine(_home, "install.conf");
        var options = new InstallOptions { Root = stage.Path, SourcePath = Path.Combine(_home, "payload"), ConfigDirectory = _home };
        InstallRunner.Run(InstallPlanner.Create(InstallConfigFile.Load(config), options), InstallRunMode.Apply, new RecordingObserver());

        var status = AsUser("install", "status", "--config", config, "--root", stage.Path, "--source", Path.Combine(_home, "payload"));
        Assert.True(status.ExitCode == 0, status.StandardOutput + status.StandardError);
        Assert.Contains($"Sudoers:      {stage.Path}/etc/sudoers.d/kai (unknown: permission denied; run as root to see it)", status.StandardOutput);
        Assert.Contains($"Secrets:      {stage.Path}/etc/kai/env (exists, root:root 0600)", status.StandardOutput);
        Assert.Contains("Drift:        none", status.StandardOutput);
        Assert.DoesNotContain(TestConfigs.BotToken, status.StandardOutput + status.StandardError);
    }

    public void Dispose()
    {
        _user.Dispose();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
