using Kai.Native.Install;
using Kai.Native.IO;
using Kai.Native.Platform;
using Xunit;

namespace Kai.Native.Tests.Install;

public sealed class InstallApplyTests
{
    private static InstallOptions Options(string root, string source, Kai.Native.Platform.Services.IServiceManager? manager = null, string? configDir = null) => new()
    {
        Root = root,
        SourcePath = source,
        ServiceManager = manager,
        ConfigDirectory = configDir,
        ServiceStartInterval = TimeSpan.Zero,
    };

    [Fact]
    public void Apply_under_a_root_builds_the_seed_layout_with_real_owners_and_modes_and_a_second_apply_changes_nothing()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name);
        var observer = new RecordingObserver();

        var first = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, observer);

        var kai = $"{user.Name}:{UnixAccounts.GroupName(user.Account.Gid)}";
        var expected = new Dictionary<string, string>
        {
            ["opt/kai"] = "root:root 0755",
            ["opt/kai/home"] = $"{kai} 0755",
            ["opt/kai/bin"] = "root:root 0755",
            ["opt/kai/bin/kai"] = "root:root 0755",
            ["opt/kai/bin/kai.runtimeconfig.json"] = "root:root 0644",
            ["opt/kai/Kai/Kai.psd1"] = "root:root 0644",
            ["opt/kai/.runtime.sha256"] = "root:root 0644",
            ["var/lib/kai"] = $"{kai} 0755",
            ["var/lib/kai/logs"] = $"{kai} 0755",
            ["var/lib/kai/files"] = $"{kai} 0755",
            ["var/lib/kai/history"] = $"{kai} 0755",
            ["var/lib/kai/memory"] = $"{kai} 0755",
            ["var/lib/kai/memory/MEMORY.md"] = $"{kai} 0644",
            ["var/lib/kai/.responding"] = $"{kai} 0755",
            ["etc/kai"] = "root:root 0755",
            ["etc/kai/env"] = "root:root 0600",
            ["etc/sudoers.d/kai"] = "root:root 0440",
            ["etc/systemd/system/kai.service"] = "root:root 0644",
        };
        foreach (var (path, want) in expected)
            Assert.True(want == Disk.Describe(stage[path]), $"{path}: {Disk.Describe(stage[path])}, wants {want}");
        foreach (var excluded in new[] { ".git", "obj", ".env", "bin/kai.pdb", "Kai/__pycache__" })
            Assert.False(Path.Exists(stage["opt/kai/" + excluded]), excluded + " must not be copied");

        var env = EnvFile.Parse(File.ReadAllText(stage["etc/kai/env"]));
        Assert.Equal(TestConfigs.BotToken, env[EnvKeys.TelegramBotToken]);
        Assert.Equal("111,222", env[EnvKeys.AllowedUserIds]);
        Assert.Equal("/var/lib/kai", env[EnvKeys.DataDirectory]);
        var unit = File.ReadAllText(stage["etc/systemd/system/kai.service"]);
        Assert.Contains("ExecStart=\"/opt/kai/bin/kai\" serve", unit);
        Assert.Contains($"User={user.Name}", unit);
        Assert.Contains("LoadCredential=env:/etc/kai/env", unit);
        Assert.Contains($"{user.Name} ALL=(root) NOPASSWD: /usr/bin/cat /etc/kai/env", File.ReadAllText(stage["etc/sudoers.d/kai"]));

        Assert.All(first.Where(r => r.Step is "StopService" or "ReloadServiceManager" or "StartService"), r =>
        {
            Assert.Equal(InstallStepStatus.Skipped, r.Status);
            Assert.Contains("root prefix", r.Detail);
        });
        Assert.All(first.Where(r => r.Step is not ("StopService" or "ReloadServiceManager" or "StartService")), r => Assert.Equal(InstallStepStatus.Changed, r.Status));
        Assert.DoesNotContain(TestConfigs.BotToken, observer.AllText);
        Assert.DoesNotContain(TestConfigs.ApiSecret, observer.AllText);

        var before = Disk.Snapshot(stage.Path);
        var second = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.Equal(first.Count, second.Count);
        Assert.All(second, r => Assert.False(r.Changed, $"{r.Step} {r.Target} changed on the second apply: {r.Detail}"));
        Assert.Equal(before, Disk.Snapshot(stage.Path));
    }

    [Fact]
    public void Dry_run_changes_nothing_and_lists_exactly_the_steps_a_real_run_then_changes()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name);
        var manager = new FakeServiceManager();

        var dryObserver = new RecordingObserver { Answer = _ => false };
        var dry = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path, manager)), InstallRunMode.DryRun, dryObserver);
        Assert.Empty(Directory.EnumerateFileSystemEntries(stage.Path));
        Assert.Empty(manager.Calls);

        var real = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path, manager)), InstallRunMode.Apply, new RecordingObserver());
        var planned = dry.Where(r => r.Status == InstallStepStatus.WouldChange).Select(r => (r.Step, r.Target, r.Action)).ToList();
        var changed = real.Where(r => r.Changed).Select(r => (r.Step, r.Target, r.Action)).ToList();
        Assert.Equal(planned, changed);
        Assert.Equal(planned.Select(p => (p.Step, p.Target)), dryObserver.Asked);
        Assert.Contains(("StartService", "kai.service", "Enable and start the service, then verify it runs"), changed);
        Assert.Equal(["reload", "start"], manager.Calls);
    }

    [Fact]
    public void Files_that_left_the_payload_leave_the_install_tree_but_home_and_foreign_files_stay()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        File.WriteAllText(source["Kai/old.ps1"], "old");
        var config = TestConfigs.For(user.Name);
        InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        File.WriteAllText(stage["opt/kai/home/notes.md"], "the inner Claude's work");
        File.WriteAllText(stage["opt/kai/admin-readme.txt"], "an admin's own file");
        File.WriteAllText(stage["var/lib/kai/memory/MEMORY.md"], "remember this");

        File.Delete(source["Kai/old.ps1"]);
        File.WriteAllText(source["Kai/new.ps1"], "new");
        var results = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());

        Assert.False(File.Exists(stage["opt/kai/Kai/old.ps1"]));
        Assert.Equal("new", File.ReadAllText(stage["opt/kai/Kai/new.ps1"]));
        Assert.Equal("the inner Claude's work", File.ReadAllText(stage["opt/kai/home/notes.md"]));
        Assert.Equal("an admin's own file", File.ReadAllText(stage["opt/kai/admin-readme.txt"]));
        Assert.Equal("remember this", File.ReadAllText(stage["var/lib/kai/memory/MEMORY.md"]));
        var copy = Assert.Single(results, r => r.Step == "CopyPayload");
        Assert.True(copy.Changed);
        Assert.Contains("1 copied, 1 removed", copy.Detail);
        Assert.Single(results, r => r.Changed); // nothing else had to change
    }

    [Fact]
    public void A_run_killed_half_way_is_finished_by_the_next_one()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        File.WriteAllText(source["Kai/v1-only.ps1"], "v1");
        var config = TestConfigs.For(user.Name);
        InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());

        // v2 of the payload, killed while copying it (after the manifest claimed both versions' files).
        File.Delete(source["Kai/v1-only.ps1"]);
        File.WriteAllText(source["Kai/v2-only.ps1"], "v2");
        File.WriteAllText(source["bin/kai.deps.json"], "{\"changed\":true}\n");
        using var kill = new CancellationTokenSource();
        var killer = new RecordingObserver { OnStart = s => { if (s.Name == "CopyPayload") kill.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() =>
            InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, killer, kill.Token));

        // A failure in the middle (the runtime check), then the real re-run.
        var rerun = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.Contains(rerun, r => r.Step == "CopyPayload" && r.Changed);
        Assert.Contains(rerun, r => r.Step == "RefreshRuntime" && r.Changed);
        Assert.False(File.Exists(stage["opt/kai/Kai/v1-only.ps1"]));
        Assert.True(File.Exists(stage["opt/kai/Kai/v2-only.ps1"]));
        var third = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.All(third, r => Assert.False(r.Changed, $"{r.Step}: {r.Detail}"));
    }

    [Fact]
    public void A_failed_runtime_check_writes_no_checksum_so_the_next_run_retries()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name);
        var plan = InstallPlanner.Create(config, Options(stage.Path, source.Path));
        // The same machine, but its runtime is too old for the payload.
        var facts = plan.Facts with { DotnetRoot = stage.Path };
        Directory.CreateDirectory(stage["fake-dotnet"]);
        File.WriteAllText(stage["dotnet"], "#!/bin/sh\necho 'Microsoft.NETCore.App 6.0.1 [/x]'\n");
        File.SetUnixFileMode(stage["dotnet"], (UnixFileMode)0b111_101_101);
        var broken = InstallPlanner.Plan(plan.Config, plan.Layout, plan.Options, facts, plan.Payload!);

        var error = Assert.Throws<KaiException>(() => InstallRunner.Run(broken, InstallRunMode.Apply, new RecordingObserver()));
        Assert.Equal("RuntimeNotFound", error.ErrorId);
        Assert.Contains("Microsoft.NETCore.App 8.0.0", error.Message);
        Assert.Contains("6.0.1", error.Message);
        Assert.False(File.Exists(stage["opt/kai/.runtime.sha256"]));
        Assert.True(File.Exists(stage["opt/kai/bin/kai"]), "the steps before the failure stay applied");

        var retry = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.Contains(retry, r => r.Step == "RefreshRuntime" && r.Changed);
        Assert.True(File.Exists(stage["opt/kai/.runtime.sha256"]));
    }

    [Fact]
    public void Unknown_service_user_is_refused_before_anything_changes()
    {
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For("kaitestnosuchuser");
        // A preview still works and says what is missing…
        var preview = new RecordingObserver { Answer = _ => false };
        InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.DryRun, preview);
        Assert.Contains("'kaitestnosuchuser' does not exist yet", preview.AllText);
        Assert.Contains(preview.Asked, a => a.Step == "Directory");
        // …a real run stops before the first change.
        var error = Assert.Throws<KaiException>(() => InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver()));
        Assert.Equal("ServiceUserNotFound", error.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, error.Kind);
        Assert.Contains("kaitestnosuchuser", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(stage.Path));
    }

    [Fact]
    public void Missing_or_wrong_source_is_SourceNotFound()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        var config = TestConfigs.For(user.Name);
        var missing = Assert.Throws<KaiException>(() => InstallPlanner.Create(config, Options(stage.Path, stage["no-such-source"])));
        Assert.Equal("SourceNotFound", missing.ErrorId);
        var notKai = Assert.Throws<KaiException>(() => InstallPlanner.Create(config, Options(stage.Path, stage.Path)));
        Assert.Equal("SourceNotFound", notKai.ErrorId);
        Assert.Contains("bin/kai is missing", notKai.Message);
    }

    [Fact]
    public void Without_root_and_without_a_writable_root_prefix_nothing_starts()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name);
        var plan = InstallPlanner.Create(config, Options(stage.Path, source.Path));

        // No root and no prefix: the real filesystem needs root.
        var noRootLayout = new InstallLayout(config);
        var asUser = InstallPlanner.Plan(config, noRootLayout, plan.Options with { Root = null }, plan.Facts with { IsRoot = false }, plan.Payload!);
        var error = Assert.Throws<KaiException>(() => InstallRunner.Run(asUser, InstallRunMode.Apply, new RecordingObserver()));
        Assert.Equal("InstallRequiresRoot", error.ErrorId);
        Assert.Equal(KaiErrorKind.PermissionDenied, error.Kind);
        // …but a dry run as that user is fine.
        var dry = InstallRunner.Run(asUser, InstallRunMode.DryRun, new RecordingObserver());
        Assert.NotEmpty(dry);

        // A root prefix that is a file.
        File.WriteAllText(stage["a-file"], "");
        var fileRoot = InstallPlanner.Create(config, Options(stage["a-file"], source.Path));
        var notDir = Assert.Throws<KaiException>(() => InstallRunner.Run(fileRoot, InstallRunMode.Apply, new RecordingObserver()));
        Assert.Equal("InstallTargetNotWritable", notDir.ErrorId);
        Assert.Equal("", File.ReadAllText(stage["a-file"]));
    }

    [Fact]
    public void A_non_root_install_under_a_writable_root_applies_modes_and_says_owners_were_not_set()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name);
        var probe = InstallPlanner.Create(config, Options(stage.Path, source.Path));
        var plan = InstallPlanner.Plan(config, probe.Layout, probe.Options, probe.Facts with { IsRoot = false }, probe.Payload!);
        var observer = new RecordingObserver();
        InstallRunner.Run(plan, InstallRunMode.Apply, observer);
        Assert.Contains("owners are not set", observer.AllText);
        Assert.Equal("root:root 0600", Disk.Describe(stage["etc/kai/env"]));
        Assert.Equal("root:root 0755", Disk.Describe(stage["opt/kai/home"])); // owner left as the installing user (root here)
        var again = InstallRunner.Run(InstallPlanner.Plan(config, probe.Layout, probe.Options, probe.Facts with { IsRoot = false }, probe.Payload!), InstallRunMode.Apply, new RecordingObserver());
        Assert.All(again, r => Assert.False(r.Changed));
    }

    [Fact]
    public void A_service_that_will_not_stay_up_fails_the_start_step_loudly()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var manager = new FakeServiceManager { StartFails = true };
        var plan = InstallPlanner.Create(TestConfigs.For(user.Name), Options(stage.Path, source.Path, manager) with { ServiceStartAttempts = 3 });
        var observer = new RecordingObserver();
        var error = Assert.Throws<KaiException>(() => InstallRunner.Run(plan, InstallRunMode.Apply, observer));
        Assert.Equal("ServiceStartFailed", error.ErrorId);
        Assert.Contains("did not stay running", error.Message);
        Assert.Contains("journalctl", error.RecommendedAction);
        var failed = observer.Results.Last();
        Assert.Equal(("StartService", InstallStepStatus.Failed, "ServiceStartFailed"), (failed.Step, failed.Status, failed.ErrorId));
    }

    [Fact]
    public void With_a_service_manager_a_changed_install_stops_and_restarts_and_an_unchanged_one_leaves_it_alone()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var manager = new FakeServiceManager();
        var config = TestConfigs.For(user.Name);
        InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path, manager)), InstallRunMode.Apply, new RecordingObserver());
        Assert.Equal(["reload", "start"], manager.Calls);
        manager.Calls.Clear();

        var unchanged = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path, manager)), InstallRunMode.Apply, new RecordingObserver());
        Assert.Empty(manager.Calls);
        Assert.All(unchanged, r => Assert.Equal(InstallStepStatus.InDesiredState, r.Status));

        var changedConfig = config with { ClaudeTimeoutSeconds = 300 };
        var changed = InstallRunner.Run(InstallPlanner.Create(changedConfig, Options(stage.Path, source.Path, manager)), InstallRunMode.Apply, new RecordingObserver());
        Assert.Equal(["stop", "start"], manager.Calls);
        Assert.Equal(["StopService", "WriteSecrets", "StartService"], changed.Where(r => r.Changed).Select(r => r.Step));
    }

    [Fact]
    public void Model_files_are_copied_when_present_and_leave_with_the_payload()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        Directory.CreateDirectory(source["models/whisper"]);
        File.WriteAllBytes(source["models/whisper/ggml-base.bin"], new byte[300_000]);
        File.WriteAllText(source["models/piper.onnx.json"], "{}");
        var config = TestConfigs.For(user.Name);

        var first = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.True(Assert.Single(first, r => r.Step == "CopyModels").Changed);
        Assert.Equal("root:root 0755", Disk.Describe(stage["opt/kai/models"]));
        Assert.Equal("root:root 0644", Disk.Describe(stage["opt/kai/models/whisper/ggml-base.bin"]));
        Assert.Equal(300_000, new FileInfo(stage["opt/kai/models/whisper/ggml-base.bin"]).Length);
        Assert.DoesNotContain(InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver()), r => r.Changed);

        Directory.Delete(source["models"], recursive: true);
        var after = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.True(Assert.Single(after, r => r.Step == "CopyModels").Changed);
        Assert.False(File.Exists(stage["opt/kai/models/whisper/ggml-base.bin"]));
    }

    [Fact]
    public void A_macOS_plan_writes_run_sh_and_the_launch_daemon_instead_of_a_unit()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name) with { Platform = ServicePlatform.Darwin };
        var results = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.Equal(["WriteLauncher", "WriteServiceDefinition", "StartService"], results.Select(r => r.Step).TakeLast(3));
        Assert.DoesNotContain(results, r => r.Step == "ReloadServiceManager");
        Assert.Equal("root:root 0755", Disk.Describe(stage["opt/kai/run.sh"]));
        Assert.Equal("root:root 0644", Disk.Describe(stage["Library/LaunchDaemons/com.syrinx.kai.plist"]));
        Assert.Contains("<string>/opt/kai/run.sh</string>", File.ReadAllText(stage["Library/LaunchDaemons/com.syrinx.kai.plist"]));
        Assert.Contains("'/opt/kai/bin/kai' serve &", File.ReadAllText(stage["opt/kai/run.sh"]));
        Assert.False(File.Exists(stage["etc/systemd/system/kai.service"]));
        Assert.True(File.Exists(stage["etc/sudoers.d/kai"]));
        Assert.DoesNotContain(InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver()), r => r.Changed);
    }
}
