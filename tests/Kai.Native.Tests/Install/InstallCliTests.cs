using System.Diagnostics;
using System.Text.Json;
using Kai.Native.Install;
using Xunit;

namespace Kai.Native.Tests.Install;

/// <summary>`kai install apply|status|uninstall|dsc` as a real process: text, JSON and exit codes (0 unchanged, 2 changed, 1 failed).</summary>
public sealed class InstallCliTests
{
    private static readonly string Kai = Path.Combine(FakePayload.RepoRoot, "artifacts", "bin", "kai");

    private static (int Exit, string Out, string Err) Run(string workingDirectory, string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo(Kai)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "kai did not finish");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private sealed class CliScenario : IDisposable
    {
        public CliScenario()
        {
            User = new TestUser();
            Dir = new TempDir();
            Source = FakePayload.Create(Dir["source"]);
            Stage = Dir["stage"];
            var config = TestConfigs.For(User.Name);
            InstallConfigFile.Save(config, Dir["install.conf"]);
        }

        public TestUser User { get; }
        public TempDir Dir { get; }
        public string Source { get; }
        public string Stage { get; }
        public string[] Common => ["--root", Stage, "--source", Source];

        public void Dispose()
        {
            Dir.Dispose();
            User.Dispose();
        }
    }

    [Fact]
    public void Apply_dry_run_prints_DRY_RUN_lines_changes_nothing_and_exits_2_then_apply_exits_2_then_0()
    {
        using var s = new CliScenario();
        var dry = Run(s.Dir.Path, null, ["install", "apply", "--dry-run", .. s.Common]);
        Assert.Equal(2, dry.Exit);
        Assert.Contains($"[DRY RUN] Ensure directory root:root 0755: {s.Stage}/opt/kai", dry.Out);
        Assert.Contains("[DRY RUN] Write the sudoers rules", dry.Out);
        Assert.All(dry.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.StartsWith("[DRY RUN] ", l));
        Assert.False(Directory.Exists(s.Stage));

        var apply = Run(s.Dir.Path, null, ["install", "apply", .. s.Common]);
        Assert.True(apply.Exit == 2, apply.Out + apply.Err);
        Assert.Contains("changed  WriteSecrets", apply.Out);
        var again = Run(s.Dir.Path, null, ["install", "apply", .. s.Common]);
        Assert.True(again.Exit == 0, again.Out + again.Err);
        Assert.DoesNotContain("changed ", again.Out);
        Assert.DoesNotContain(TestConfigs.BotToken, dry.Out + dry.Err + apply.Out + apply.Err + again.Out + again.Err);
    }

    [Fact]
    public void Apply_and_status_json_tell_changed_unchanged_and_drift_by_exit_code()
    {
        using var s = new CliScenario();
        var first = Run(s.Dir.Path, null, ["install", "apply", "--json", .. s.Common]);
        Assert.Equal(2, first.Exit);
        using (var doc = JsonDocument.Parse(first.Out))
        {
            Assert.True(doc.RootElement.GetProperty("changed").GetBoolean());
            Assert.False(doc.RootElement.GetProperty("failed").GetBoolean());
            var steps = doc.RootElement.GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal(("StopService", "skipped"), (steps[0].GetProperty("step").GetString(), steps[0].GetProperty("status").GetString()));
            Assert.Contains(steps, e => e.GetProperty("step").GetString() == "WriteSudoers" && e.GetProperty("changed").GetBoolean());
        }

        var second = Run(s.Dir.Path, null, ["install", "apply", "--json", .. s.Common]);
        Assert.Equal(0, second.Exit);
        using (var doc = JsonDocument.Parse(second.Out))
            Assert.All(doc.RootElement.GetProperty("steps").EnumerateArray(), e => Assert.False(e.GetProperty("changed").GetBoolean()));

        var status = Run(s.Dir.Path, null, ["install", "status", "--json", .. s.Common]);
        Assert.True(status.Exit == 0, status.Out + status.Err);
        using (var doc = JsonDocument.Parse(status.Out))
        {
            Assert.True(doc.RootElement.GetProperty("inDesiredState").GetBoolean());
            Assert.Equal("0600", doc.RootElement.GetProperty("secrets")[0].GetProperty("mode").GetString());
        }
        var text = Run(s.Dir.Path, null, ["install", "status", .. s.Common]);
        Assert.Contains("Kai Installation Status", text.Out);
        Assert.Contains($"Data:         {s.Stage}/var/lib/kai (exists, {s.User.Name}:", text.Out);

        File.SetUnixFileMode(Path.Combine(s.Stage, "etc/kai/env"), (UnixFileMode)0b110_100_100);
        var drift = Run(s.Dir.Path, null, ["install", "status", "--json", .. s.Common]);
        Assert.Equal(2, drift.Exit);
        Assert.Contains("WriteSecrets", drift.Out);
        Assert.DoesNotContain(TestConfigs.BotToken, first.Out + second.Out + status.Out + drift.Out + drift.Err);
    }

    [Fact]
    public void Failures_exit_1_with_the_error_id_on_stderr_and_in_json()
    {
        using var s = new CliScenario();
        var missing = Run(s.Dir.Path, null, ["install", "apply", "--config", s.Dir["nope.conf"], .. s.Common]);
        Assert.Equal(1, missing.Exit);
        Assert.Contains("kai install apply: [InstallConfigNotFound]", missing.Err);

        var badSource = Run(s.Dir.Path, null, ["install", "apply", "--json", "--root", s.Stage, "--source", s.Dir["nowhere"]]);
        Assert.Equal(1, badSource.Exit);
        using (var doc = JsonDocument.Parse(badSource.Out))
            Assert.Equal("SourceNotFound", doc.RootElement.GetProperty("errorId").GetString());

        var noConfirm = Run(s.Dir.Path, null, ["install", "uninstall", "--root", s.Stage]);
        Assert.Equal(1, noConfirm.Exit);
        Assert.Contains("--yes", noConfirm.Err);
    }

    [Fact]
    public void Uninstall_removes_the_install_and_keeps_data()
    {
        using var s = new CliScenario();
        Assert.Equal(2, Run(s.Dir.Path, null, ["install", "apply", .. s.Common]).Exit);
        var removed = Run(s.Dir.Path, null, ["install", "uninstall", "--yes", "--root", s.Stage]);
        Assert.True(removed.Exit == 2, removed.Out + removed.Err);
        Assert.False(File.Exists(Path.Combine(s.Stage, "opt/kai/bin/kai")));
        Assert.True(Directory.Exists(Path.Combine(s.Stage, "var/lib/kai")));
        Assert.Equal(0, Run(s.Dir.Path, null, ["install", "uninstall", "--yes", "--root", s.Stage]).Exit);
    }

    [Fact]
    public void Dsc_get_test_set_speak_json_on_stdin_and_stdout()
    {
        using var s = new CliScenario();
        var desired = JsonSerializer.Serialize(new { configPath = s.Dir["install.conf"], root = s.Stage, sourcePath = s.Source });
        var test = Run(s.Dir.Path, desired, "install", "dsc", "test");
        Assert.True(test.Exit == 0, test.Err);
        using (var doc = JsonDocument.Parse(test.Out))
        {
            Assert.False(doc.RootElement.GetProperty("_inDesiredState").GetBoolean());
            Assert.False(doc.RootElement.GetProperty("installed").GetBoolean());
            Assert.NotEmpty(doc.RootElement.GetProperty("drift").EnumerateArray());
        }
        var set = Run(s.Dir.Path, desired, "install", "dsc", "set");
        Assert.True(set.Exit == 0, set.Err);
        using (var doc = JsonDocument.Parse(set.Out))
        {
            Assert.True(doc.RootElement.GetProperty("installed").GetBoolean());
            Assert.Equal("0.1.0", doc.RootElement.GetProperty("version").GetString());
            Assert.Empty(doc.RootElement.GetProperty("drift").EnumerateArray());
        }
        using (var doc = JsonDocument.Parse(Run(s.Dir.Path, desired, "install", "dsc", "test").Out))
            Assert.True(doc.RootElement.GetProperty("_inDesiredState").GetBoolean());
        var get = Run(s.Dir.Path, desired, "install", "dsc", "get");
        Assert.Equal(0, get.Exit);
        Assert.DoesNotContain("_inDesiredState", get.Out);
        Assert.Single(get.Out.Trim().Split('\n'));

        var invalid = Run(s.Dir.Path, "{\"root\": 5}", "install", "dsc", "get");
        Assert.Equal(2, invalid.Exit);
        Assert.Contains("DscInputInvalid", invalid.Err);
        Assert.DoesNotContain(TestConfigs.BotToken, test.Out + set.Out + get.Out);
    }

    [Fact]
    public void Dsc_manifest_ships_beside_kai_and_names_the_commands_that_exist()
    {
        var manifestPath = Path.Combine(FakePayload.RealBin, "kai.dsc.resource.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(manifestPath));
        var root = doc.RootElement;
        Assert.Equal("https://aka.ms/dsc/schemas/v3/bundled/resource/manifest.json", root.GetProperty("$schema").GetString());
        Assert.Equal(DscInstallResource.ResourceType, root.GetProperty("type").GetString());
        Assert.Equal(Run(FakePayload.RealBin, null, "version").Out.Trim(), root.GetProperty("version").GetString());
        foreach (var operation in new[] { "get", "test", "set" })
        {
            var op = root.GetProperty(operation);
            Assert.Equal("kai", op.GetProperty("executable").GetString());
            Assert.Equal(["install", "dsc", operation], op.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
            Assert.Equal("stdin", op.GetProperty("input").GetString());
        }
        Assert.True(root.GetProperty("set").GetProperty("implementsPretest").GetBoolean());
        var schema = root.GetProperty("schema").GetProperty("embedded");
        Assert.Equal("configPath", schema.GetProperty("required")[0].GetString());
        var properties = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var name in new[] { "configPath", "root", "sourcePath", "scope", "installed", "version", "service", "drift", "_inDesiredState" })
            Assert.Contains(name, properties);
        // Each operation exists in the CLI.
        foreach (var operation in new[] { "get", "test", "set" })
            Assert.Equal(0, Run(FakePayload.RealBin, null, "install", "dsc", operation, "--help").Exit);
    }
}
