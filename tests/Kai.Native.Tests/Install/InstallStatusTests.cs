using Kai.Native.Install;
using Kai.Native.Platform;
using Xunit;

namespace Kai.Native.Tests.Install;

public sealed class InstallStatusTests
{
    private static InstallOptions Options(string root, string source) => new() { Root = root, SourcePath = source, ServiceStartInterval = TimeSpan.Zero };

    [Fact]
    public void Status_reports_each_location_with_owner_and_mode_and_drift_names_the_step()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name);
        var before = InstallStatus.Get(config, Options(stage.Path, source.Path));
        Assert.False(before.Installation.Exists);
        Assert.False(before.IsInstalled);
        Assert.Contains("(missing)", before.Render());

        InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        var report = InstallStatus.Get(config, Options(stage.Path, source.Path));
        var kai = $"{user.Name}:{UnixAccounts.GroupName(user.Account.Gid)}";
        Assert.Equal(("root:root", "0755", true), (report.Installation.Owner, report.Installation.Mode, report.Installation.AsExpected));
        Assert.Equal((kai, "0755", true), (report.Data.Owner, report.Data.Mode, report.Data.AsExpected));
        Assert.Equal(("root:root", "0600"), (report.Secrets[0].Owner, report.Secrets[0].Mode));
        Assert.Equal(("root:root", "0440"), (report.Sudoers!.Owner, report.Sudoers.Mode));
        Assert.Equal("0.1.0", report.InstalledVersion);
        Assert.True(report.InDesiredState);
        Assert.Contains("installing under the root prefix", report.Service.Detail);
        var text = report.Render();
        Assert.Contains($"Installation: {stage["opt/kai"]} (exists, root:root 0755)", text);
        Assert.Contains($"Sudoers:      {stage["etc/sudoers.d/kai"]} (exists, root:root 0440)", text);
        Assert.Contains("Drift:        none", text);

        File.SetUnixFileMode(stage["var/lib/kai/logs"], (UnixFileMode)0b111_000_000);
        File.AppendAllText(stage["etc/systemd/system/kai.service"], "# edited by hand\n");
        var drifted = InstallStatus.Get(config, Options(stage.Path, source.Path));
        Assert.False(drifted.InDesiredState);
        Assert.Equal(["Directory", "WriteServiceDefinition"], drifted.Drift!.Select(d => d.Step));
        Assert.Contains("mode 0700, wants 0755", drifted.Drift![0].Detail);
        Assert.Contains("2 step(s) not in the desired state", drifted.Render());
        Assert.False(drifted.Data.AsExpected is false); // the data dir itself is still fine
    }

    [Fact]
    public void Workspace_check_names_the_blocking_directory_and_the_exact_fix()
    {
        using var user = new TestUser();
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["a/b/work"]);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(dir["a"], (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(dir["a/b"], (UnixFileMode)0b111_100_100); // no x for others
        var problem = WorkspaceAccess.Check(dir["a/b/work"], user.Account);
        Assert.NotNull(problem);
        Assert.Equal(dir["a/b"], problem.BlockingDirectory);
        Assert.Equal($"chmod o+x {dir["a/b"]}", problem.Fix);
        Assert.Contains($"{dir["a/b"]} lacks execute permission for {user.Name}", problem.ToString());

        UnixFiles.Chown(dir["a/b"], 0, user.Account.Gid);
        Assert.Equal($"chmod g+x {dir["a/b"]}", WorkspaceAccess.Check(dir["a/b/work"], user.Account)!.Fix);
        File.SetUnixFileMode(dir["a/b"], (UnixFileMode)0b111_101_101);
        Assert.Null(WorkspaceAccess.Check(dir["a/b/work"], user.Account));
        Assert.StartsWith("mkdir -p", WorkspaceAccess.Check(dir["a/b/missing"], user.Account)!.Fix);
    }

    [Fact]
    public void Status_flags_a_claude_path_mismatch_between_service_definition_and_sudoers()
    {
        using var user = new TestUser();
        using var alice = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name) with { ClaudeUser = alice.Name };
        InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.False(InstallStatus.Get(config, Options(stage.Path, source.Path)).Claude.Mismatch);

        var sudoers = stage["etc/sudoers.d/kai"];
        File.SetUnixFileMode(sudoers, (UnixFileMode)0b110_100_000);
        File.WriteAllText(sudoers, File.ReadAllText(sudoers).Replace(".local/bin/claude", "bin/old-claude"));
        var claude = InstallStatus.Get(config, Options(stage.Path, source.Path)).Claude;
        Assert.True(claude.Mismatch);
        Assert.Contains("MISMATCH", claude.ToString());
        Assert.EndsWith("bin/old-claude", claude.InSudoers);
    }

    [Fact]
    public void Sandbox_probe_reports_bubblewrap()
    {
        var probe = SandboxProbe.Probe(ServicePlatform.Linux);
        Assert.Equal("bubblewrap", probe.Backend);
        if (File.Exists("/usr/bin/bwrap")) Assert.Equal("/usr/bin/bwrap", probe.Path);
        else Assert.False(probe.Available);
    }

    [Fact]
    public void Uninstall_removes_only_what_was_installed_and_keeps_data_and_secrets_unless_asked()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name);
        InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        File.WriteAllText(stage["opt/kai/admin-notes.txt"], "mine");
        File.WriteAllText(stage["var/lib/kai/kai.db"], "data");

        var dry = InstallRunner.Run(UninstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.DryRun, new RecordingObserver());
        Assert.Contains(dry, r => r.Step == "RemoveInstallTree" && r.Status == InstallStepStatus.WouldChange);
        Assert.True(File.Exists(stage["opt/kai/bin/kai"]));

        var results = InstallRunner.Run(UninstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.False(File.Exists(stage["opt/kai/bin/kai"]));
        Assert.False(Directory.Exists(stage["opt/kai/Kai"]));
        Assert.False(File.Exists(stage["opt/kai/.kai-manifest.json"]));
        Assert.Equal("mine", File.ReadAllText(stage["opt/kai/admin-notes.txt"]));
        Assert.True(Directory.Exists(stage["opt/kai/home"]));
        Assert.Equal("data", File.ReadAllText(stage["var/lib/kai/kai.db"]));
        Assert.True(File.Exists(stage["etc/kai/env"]));
        Assert.False(File.Exists(stage["etc/sudoers.d/kai"]));
        Assert.Contains(results, r => r.Step == "DisableService" && r.Status == InstallStepStatus.Skipped);

        var again = InstallRunner.Run(UninstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.DoesNotContain(again, r => r.Changed);

        var everything = Options(stage.Path, source.Path) with { RemoveData = true, RemoveSecrets = true };
        InstallRunner.Run(UninstallPlanner.Create(config, everything), InstallRunMode.Apply, new RecordingObserver());
        Assert.False(Directory.Exists(stage["var/lib/kai"]));
        Assert.False(Directory.Exists(stage["etc/kai"]));
        Assert.False(Directory.Exists(stage["opt/kai/home"]));
        Assert.True(File.Exists(stage["opt/kai/admin-notes.txt"]), "foreign files survive even -RemoveData");
    }
}
