using System.Text;
using Kai.Native.Install;
using Kai.Native.Platform;
using Kai.Native.Store;
using Xunit;

namespace Kai.Native.Tests.Install;

/// <summary>visudo rejections, user separation, migration, secrets hygiene.</summary>
public sealed class InstallFaultTests
{
    private static InstallOptions Options(string root, string source, string? configDir = null, string? visudo = null) => new()
    {
        Root = root,
        SourcePath = source,
        ConfigDirectory = configDir,
        VisudoPath = visudo,
        ServiceStartInterval = TimeSpan.Zero,
    };

    private static string FakeVisudo(TempDir dir)
    {
        var path = dir["fake-visudo"];
        File.WriteAllText(path, "#!/bin/sh\necho \"$2:3:1: syntax error near 'NOPASSWD'\" >&2\nexit 1\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    [Fact]
    public void A_rejected_sudoers_stops_the_run_before_any_change_and_an_installed_one_is_kept()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        using var tools = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name);

        var error = Assert.Throws<KaiException>(() =>
            InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path, visudo: FakeVisudo(tools))), InstallRunMode.Apply, new RecordingObserver()));
        Assert.Equal("SudoersRejected", error.ErrorId);
        Assert.Contains("syntax error near 'NOPASSWD'", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(stage.Path));

        // Installed with a good visudo; then a rule change visudo refuses: the installed file stays as it was.
        InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, new RecordingObserver());
        var before = File.ReadAllText(stage["etc/sudoers.d/kai"]);
        var changed = config with { ClaudeUser = "root" };
        Assert.Equal("InvalidUserName", Assert.Throws<KaiException>(() => InstallPlanner.Create(changed, Options(stage.Path, source.Path))).ErrorId);
        using var claude = new TestUser();
        var rejected = Assert.Throws<KaiException>(() => InstallRunner.Run(
            InstallPlanner.Create(config with { ClaudeUser = claude.Name }, Options(stage.Path, source.Path, visudo: FakeVisudo(tools))),
            InstallRunMode.Apply, new RecordingObserver()));
        Assert.Equal("SudoersRejected", rejected.ErrorId);
        Assert.Equal(before, File.ReadAllText(stage["etc/sudoers.d/kai"]));
    }

    [Fact]
    public void The_sudoers_step_itself_never_moves_a_rejected_file_into_place()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        var plan = InstallPlanner.Create(TestConfigs.For(user.Name), Options(stage.Path, source.Path));
        Directory.CreateDirectory(stage["etc/sudoers.d"]);
        // An injected bad rule, checked by the real visudo at the moment of the move.
        var step = new WriteFileStep("WriteSudoers", stage["etc/sudoers.d/kai"], "bad rules", Encoding.UTF8.GetBytes("kai ALL=(root NOPASSWD: /bin/cat\n"),
            FileOwner.Root, (UnixFileMode)0b100_100_000, validate: (temp, ctx) => Sudoers.Validate(temp));
        var error = Assert.Throws<KaiException>(() => step.Apply(plan.Context));
        Assert.Equal("SudoersRejected", error.ErrorId);
        Assert.Contains("syntax error", error.Message);
        Assert.False(File.Exists(stage["etc/sudoers.d/kai"]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(stage["etc/sudoers.d"])); // no temp file left behind
    }

    [Fact]
    public void User_separation_writes_one_rule_per_configured_user_and_keeps_them_on_reinstall_from_the_installed_users_yaml()
    {
        using var service = new TestUser();
        using var alice = new TestUser();
        using var bob = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        using var configDir = new TempDir();
        FakePayload.Create(source.Path);
        File.WriteAllText(configDir["users.yaml"], $"users:\n  - telegram_id: 111\n    name: alice\n    os_user: {alice.Name}\n  - telegram_id: 222\n    os_user: {service.Name}\n");
        var config = TestConfigs.For(service.Name) with { ClaudeUser = bob.Name };
        var observer = new RecordingObserver();
        InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path, configDir.Path)), InstallRunMode.Apply, observer);

        var sudoers = File.ReadAllText(stage["etc/sudoers.d/kai"]);
        Assert.Contains($"{service.Name} ALL=({bob.Name}) NOPASSWD:", sudoers);
        Assert.Contains($"{service.Name} ALL=({alice.Name}) NOPASSWD:", sudoers);
        Assert.DoesNotContain($"ALL=({service.Name})", sudoers);
        Assert.Contains("names the service user itself", observer.AllText);
        Assert.Equal("root:root 0600", Disk.Describe(stage["etc/kai/users.yaml"]));
        var claudeInSudoers = SudoersFile.ClaudePathIn(sudoers);
        Assert.Contains($"CLAUDE_BIN={claudeInSudoers}", File.ReadAllText(stage["etc/kai/env"]));
        Assert.Contains($"Environment=\"CLAUDE_BIN={claudeInSudoers}\"", File.ReadAllText(stage["etc/systemd/system/kai.service"]));
        Assert.DoesNotContain("\nNoNewPrivileges=", File.ReadAllText(stage["etc/systemd/system/kai.service"]));

        // Reinstall without users.yaml beside install.conf: the installed copy still names alice.
        File.Delete(configDir["users.yaml"]);
        var again = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path, configDir.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.Contains($"ALL=({alice.Name})", File.ReadAllText(stage["etc/sudoers.d/kai"]));
        Assert.DoesNotContain(again, r => r.Changed);
    }

    [Fact]
    public void Unknown_separate_user_and_malformed_yaml_are_refused_before_any_change()
    {
        using var service = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        using var configDir = new TempDir();
        FakePayload.Create(source.Path);
        var missing = Assert.Throws<KaiException>(() => InstallRunner.Run(
            InstallPlanner.Create(TestConfigs.For(service.Name) with { ClaudeUser = "kaitestnobody" }, Options(stage.Path, source.Path)),
            InstallRunMode.Apply, new RecordingObserver()));
        Assert.Equal("ClaudeUserNotFound", missing.ErrorId);
        Assert.Contains("CLAUDE_USER", missing.Message);

        File.WriteAllText(configDir["workspaces.yaml"], "workspaces:\n  - path: [unclosed\n");
        var malformed = Assert.ThrowsAny<KaiException>(() => InstallPlanner.Create(TestConfigs.For(service.Name), Options(stage.Path, source.Path, configDir.Path)));
        Assert.Contains("workspaces.yaml", malformed.Message);
        Assert.Contains("line", malformed.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(stage.Path));
    }

    [Fact]
    public void First_install_migrates_an_intact_dev_database_and_logs_and_never_overwrites()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        using var dev = new TempDir();
        FakePayload.Create(source.Path);
        var db = new KaiDatabase(dev["kai.db"]);
        db.EnsureSchema("test", ["CREATE TABLE notes(text TEXT)", "INSERT INTO notes VALUES ('from dev')"]);
        Directory.CreateDirectory(dev["logs"]);
        File.WriteAllText(dev["logs/kai.log"], "dev log");
        Directory.CreateDirectory(stage["var/lib/kai/logs"]);
        File.WriteAllText(stage["var/lib/kai/logs/kai.log"], "service log");

        var results = InstallRunner.Run(InstallPlanner.Create(TestConfigs.For(user.Name), Options(stage.Path, source.Path, dev.Path)), InstallRunMode.Apply, new RecordingObserver());
        var migrate = Assert.Single(results, r => r.Step == "MigrateData");
        Assert.True(migrate.Changed, migrate.Detail);
        Assert.Equal("ok", KaiDatabase.IntegrityCheck(stage["var/lib/kai/kai.db"]));
        Assert.Equal($"{user.Name}:{UnixAccounts.GroupName(user.Account.Gid)} 0644", Disk.Describe(stage["var/lib/kai/kai.db"]));
        using (var connection = new KaiDatabase(stage["var/lib/kai/kai.db"]).Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT text FROM notes";
            Assert.Equal("from dev", command.ExecuteScalar());
        }
        Assert.Equal("service log", File.ReadAllText(stage["var/lib/kai/logs/kai.log"]));

        // Runs once: a later apply leaves the data alone even if the dev layout changed.
        File.WriteAllText(dev["logs/other.log"], "x");
        var again = InstallRunner.Run(InstallPlanner.Create(TestConfigs.For(user.Name), Options(stage.Path, source.Path, dev.Path)), InstallRunMode.Apply, new RecordingObserver());
        Assert.False(Assert.Single(again, r => r.Step == "MigrateData").Changed);
        Assert.False(File.Exists(stage["var/lib/kai/logs/other.log"]));
    }

    [Fact]
    public void A_corrupt_dev_database_is_not_migrated()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        using var dev = new TempDir();
        FakePayload.Create(source.Path);
        var bytes = new byte[8192];
        Encoding.ASCII.GetBytes("SQLite format 3\0").CopyTo(bytes, 0);
        bytes[16] = 0x10; // page size 4096
        bytes[18] = 1; bytes[19] = 1; bytes[21] = 64; bytes[22] = 32; bytes[23] = 32;
        bytes[31] = 9; // claims 9 pages, holds 2
        new Random(1).NextBytes(bytes.AsSpan(100));
        File.WriteAllBytes(dev["kai.db"], bytes);

        var error = Assert.Throws<KaiException>(() =>
            InstallRunner.Run(InstallPlanner.Create(TestConfigs.For(user.Name), Options(stage.Path, source.Path, dev.Path)), InstallRunMode.Apply, new RecordingObserver()));
        Assert.Equal("MigrationSourceCorrupt", error.ErrorId);
        Assert.False(File.Exists(stage["var/lib/kai/kai.db"]));
        Assert.False(File.Exists(stage["var/lib/kai/.migrated"]));
        Assert.Contains("kai.db", error.Message);
    }

    [Fact]
    public void Secrets_appear_in_no_result_detail_error_or_observer_text()
    {
        using var user = new TestUser();
        using var stage = new TempDir();
        using var source = new TempDir();
        using var tools = new TempDir();
        FakePayload.Create(source.Path);
        var config = TestConfigs.For(user.Name) with { PerplexityApiKey = new Secret("pplx-secret-key-777"), WebhookSecret = new Secret("hook-secret-888") };
        var observer = new RecordingObserver();
        var dry = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.DryRun, observer);
        var real = InstallRunner.Run(InstallPlanner.Create(config, Options(stage.Path, source.Path)), InstallRunMode.Apply, observer);
        File.SetUnixFileMode(stage["etc/kai/env"], (UnixFileMode)0b110_110_110);
        File.SetUnixFileMode(stage["etc/sudoers.d/kai"], (UnixFileMode)0b100_100_100);
        var tests = InstallRunner.TestAll(InstallPlanner.Create(config, Options(stage.Path, source.Path)), observer);
        var failure = Assert.Throws<KaiException>(() =>
            InstallRunner.Run(InstallPlanner.Create(config with { ClaudeTimeoutSeconds = 7 }, Options(stage.Path, source.Path, visudo: FakeVisudo(tools))), InstallRunMode.Apply, observer));
        var everything = observer.AllText + string.Join("\n", dry.Concat(real).Concat(tests)) + failure;
        foreach (var secret in new[] { TestConfigs.BotToken, TestConfigs.ApiSecret, "pplx-secret-key-777", "hook-secret-888" })
            Assert.DoesNotContain(secret, everything);
        Assert.Contains(TestConfigs.BotToken, File.ReadAllText(stage["etc/kai/env"])); // where it belongs
    }
}
