using System.Xml.Linq;
using Kai.Native.Install;
using Kai.Native.Platform;
using Xunit;

namespace Kai.Native.Tests.Install;

/// <summary>The generated systemd unit, launchd plist, run.sh and sudoers: text, validators, and run.sh's real behaviour.</summary>
public sealed class ServiceDefinitionTests
{
    private static ServiceSettings Settings(bool needsSudo = false, bool credentials = true, bool userScope = false, string install = "/opt/kai", string data = "/var/lib/kai", string user = "kai") => new()
    {
        ServiceUser = user,
        ServiceGroup = user,
        ServiceHome = "/home/" + user,
        InstallDirectory = install,
        DataDirectory = data,
        HomeDirectory = install + "/home",
        EnvFile = "/etc/kai/env",
        Executable = install + "/bin/kai",
        ClaudeBinary = "/home/" + user + "/.local/bin/claude",
        DotnetRoot = "/usr/share/dotnet",
        UseCredentials = credentials,
        NeedsSudo = needsSudo,
        WritablePaths = ["/srv/work"],
        UserScope = userScope,
        LauncherScript = install + "/run.sh",
    };

    [Fact]
    public void Unit_has_the_seed_settings_credentials_and_hardening_and_says_what_is_left_off()
    {
        var unit = SystemdUnit.Render(Settings());
        foreach (var line in new[]
                 {
                     "Type=notify", "User=kai", "Group=kai", "ExecStart=\"/opt/kai/bin/kai\" serve", "Restart=always", "RestartPreventExitStatus=78",
                     "Environment=\"KAI_DATA_DIR=/var/lib/kai\"", "Environment=\"KAI_INSTALL_DIR=/opt/kai\"",
                     "Environment=\"CLAUDE_BIN=/home/kai/.local/bin/claude\"", "LoadCredential=env:/etc/kai/env",
                     "WantedBy=multi-user.target", "ProtectSystem=strict", "PrivateTmp=yes", "NoNewPrivileges=yes",
                     "ReadWritePaths=\"-/var/lib/kai\" \"-/opt/kai/home\" \"-/srv/work\"",
                 })
            Assert.Contains(line + "\n", unit);
        Assert.Contains("Environment=\"PATH=/home/kai/.local/bin:", unit);
        Assert.DoesNotContain("\nRestrictNamespaces=", unit);
        Assert.DoesNotContain("\nProtectKernelTunables=", unit);
        Assert.DoesNotContain("\nProtectHome=", unit);
        Assert.Contains("#   RestrictNamespaces=", unit);
        Assert.Contains("bubblewrap", unit);
    }

    [Fact]
    public void With_sudo_needed_no_option_that_implies_NoNewPrivileges_is_set_and_the_unit_says_why()
    {
        var unit = SystemdUnit.Render(Settings(needsSudo: true));
        foreach (var option in new[] { "NoNewPrivileges", "PrivateDevices", "ProtectKernelModules", "ProtectClock", "ProtectHostname", "LockPersonality",
                     "RestrictRealtime", "RestrictSUIDSGID", "RestrictAddressFamilies", "SystemCallArchitectures", "MemoryDenyWriteExecute", "SystemCallFilter" })
            Assert.DoesNotContain("\n" + option + "=", unit);
        Assert.Contains("the service runs sudo for user separation", unit);
        Assert.Contains("-/run/sudo", unit);
        Assert.Contains("ProtectSystem=strict\n", unit);

        var noCredentials = SystemdUnit.Render(Settings(needsSudo: true, credentials: false));
        Assert.DoesNotContain("LoadCredential", noCredentials);
        Assert.Contains("sudo -n cat", noCredentials);
    }

    [Fact]
    public void User_unit_has_no_user_line_no_mount_namespace_options_and_reads_its_own_env_file()
    {
        var unit = SystemdUnit.Render(Settings(userScope: true, credentials: false) with { EnvFile = "/home/me/.config/kai/env" });
        Assert.DoesNotContain("\nUser=", unit);
        Assert.DoesNotContain("\nProtectSystem=", unit);
        Assert.Contains("Environment=\"KAI_ENV_FILE=/home/me/.config/kai/env\"", unit);
        Assert.Contains("WantedBy=default.target", unit);
    }

    [Fact]
    public void Unit_passes_systemd_analyze_verify_with_its_paths_pointing_at_real_files()
    {
        var analyze = ProcessRunner.FindProgram("/usr/bin/systemd-analyze", "/bin/systemd-analyze");
        if (analyze is null) return; // not installed here: the text tests above still hold
        using var user = new TestUser();
        using var dir = new TempDir();
        // verify checks that ExecStart= exists and is executable and that User= exists: point them at real ones.
        Directory.CreateDirectory(dir["opt/kai/bin"]);
        File.WriteAllText(dir["opt/kai/bin/kai"], "#!/bin/sh\n");
        File.SetUnixFileMode(dir["opt/kai/bin/kai"], (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(dir["var/lib/kai"]);
        foreach (var needsSudo in new[] { false, true })
        {
            var unit = SystemdUnit.Render(Settings(needsSudo, install: dir["opt/kai"], data: dir["var/lib/kai"], user: user.Name));
            var path = dir["kai.service"];
            File.WriteAllText(path, unit);
            var output = ProcessRunner.Run(analyze, ["verify", path], TimeSpan.FromSeconds(60));
            Assert.True(output.Succeeded, output.Diagnostic);
            Assert.DoesNotContain("kai.service", output.StandardError + output.StandardOutput); // no warning about our unit
        }

        // The unit a real apply wrote, with its /opt/kai and /var/lib/kai pointed into the stage where they exist.
        using var stage = new TempDir();
        using var source = new TempDir();
        FakePayload.Create(source.Path);
        InstallRunner.Run(InstallPlanner.Create(TestConfigs.For(user.Name), new InstallOptions { Root = stage.Path, SourcePath = source.Path }),
            InstallRunMode.Apply, new RecordingObserver());
        var installed = File.ReadAllText(stage["etc/systemd/system/kai.service"])
            .Replace("/opt/kai", stage["opt/kai"]).Replace("/var/lib/kai", stage["var/lib/kai"]).Replace("/etc/kai/", stage["etc/kai/"]);
        File.WriteAllText(dir["kai.service"], installed);
        var verified = ProcessRunner.Run(analyze, ["verify", dir["kai.service"]], TimeSpan.FromSeconds(60));
        Assert.True(verified.Succeeded, verified.Diagnostic);
        Assert.DoesNotContain("kai.service", verified.StandardError + verified.StandardOutput);
    }

    [Fact]
    public void Plist_is_a_launch_daemon_running_run_sh_as_the_service_user_with_keepalive()
    {
        var text = LaunchdPlist.Render(Settings(), InstallLayout.LaunchdLabel);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", text);
        Assert.Contains("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\"", text);
        var dict = XDocument.Parse(text).Root!.Element("dict")!;
        var entries = dict.Elements().Chunk(2).ToDictionary(p => p[0].Value, p => p[1]);
        Assert.Equal("com.syrinx.kai", entries["Label"].Value);
        Assert.Equal("/opt/kai/run.sh", entries["ProgramArguments"].Elements("string").Single().Value);
        Assert.Equal("kai", entries["UserName"].Value);
        Assert.Equal("true", entries["RunAtLoad"].Name.LocalName);
        Assert.Equal("true", entries["KeepAlive"].Name.LocalName);
        var env = entries["EnvironmentVariables"].Elements().Chunk(2).ToDictionary(p => p[0].Value, p => p[1].Value);
        Assert.Equal("/var/lib/kai", env["KAI_DATA_DIR"]);
        Assert.Equal("/home/kai/.local/bin/claude", env["CLAUDE_BIN"]);
        Assert.StartsWith("/home/kai/.local/bin:", env["PATH"]);
        Assert.Equal("/var/lib/kai/logs/kai.err.log", entries["StandardErrorPath"].Value);

        var agent = XDocument.Parse(LaunchdPlist.Render(Settings(userScope: true), InstallLayout.LaunchdLabel));
        Assert.DoesNotContain(agent.Descendants("key"), k => k.Value == "UserName");
    }

    [Fact]
    public void Run_sh_parses_forwards_SIGTERM_to_the_service_and_exits_with_its_status()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["bin"]);
        // A stand-in service: records that it got TERM, exits 7.
        File.WriteAllText(dir["bin/kai"], $"#!/bin/sh\ntrap 'echo term > {dir["got-term"]}; exit 7' TERM\necho started > {dir["started"]}\nwhile :; do sleep 0.05; done\n");
        File.SetUnixFileMode(dir["bin/kai"], (UnixFileMode)0b111_101_101);
        var script = LauncherScript.Render(Settings(install: dir.Path));
        File.WriteAllText(dir["run.sh"], script);
        Assert.True(ProcessRunner.Run("/bin/sh", ["-n", dir["run.sh"]]).Succeeded);
        Assert.StartsWith("#!/bin/sh\n", script);

        using var process = System.Diagnostics.Process.Start("/bin/sh", dir["run.sh"]);
        for (var i = 0; i < 200 && !File.Exists(dir["started"]); i++) Thread.Sleep(25);
        Assert.True(File.Exists(dir["started"]), "the service never started");
        Interop.Kill(process.Id, Interop.SIGTERM);
        Assert.True(process.WaitForExit(10_000));
        Assert.Equal(7, process.ExitCode);
        Assert.Equal("term\n", File.ReadAllText(dir["got-term"]));
    }

    [Fact]
    public void Sudoers_has_one_rule_per_separate_user_never_one_for_the_service_user_and_visudo_accepts_it()
    {
        var text = SudoersFile.Render("kai", "/usr/bin/cat", "/etc/kai/env", "/home/kai/.local/bin/claude", ["alice", "kai", "bob", "alice"]);
        Assert.Contains("kai ALL=(root) NOPASSWD: /usr/bin/cat /etc/kai/env\n", text);
        Assert.Contains("kai ALL=(alice) NOPASSWD: /home/kai/.local/bin/claude\n", text);
        Assert.Contains("kai ALL=(bob) NOPASSWD: /home/kai/.local/bin/claude\n", text);
        Assert.DoesNotContain("ALL=(kai)", text);
        Assert.Equal(1, text.Split('\n').Count(l => l.Contains("(alice)")));
        Assert.Equal("/home/kai/.local/bin/claude", SudoersFile.ClaudePathIn(text));
        Assert.Equal(["alice", "bob"], SudoersFile.SeparateUsersIn(text));
        Sudoers.ValidateContent(System.Text.Encoding.UTF8.GetBytes(text));

        var odd = SudoersFile.Render("kai", "/usr/bin/cat", "/etc/kai/env", "/opt/my tools/claude,v2", ["alice"]);
        Assert.Contains(@"/opt/my\ tools/claude\,v2", odd);
        Sudoers.ValidateContent(System.Text.Encoding.UTF8.GetBytes(odd));
        Assert.Equal("/opt/my tools/claude,v2", SudoersFile.ClaudePathIn(odd));

        var bad = Assert.Throws<KaiException>(() => SudoersFile.Render("kai", "/usr/bin/cat", "/etc/kai/env", "/c", ["al ice"]));
        Assert.Equal("InvalidUserName", bad.ErrorId);
    }
}
