using System.Management.Automation;
using System.Text.RegularExpressions;
using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>Install-Kai, Get-KaiStatus, Test-KaiInstall and Uninstall-Kai in the real PowerShell engine, against a real stage directory and real users.</summary>
public sealed class InstallCmdletTests
{
    private static readonly Regex WhatIfLine = new("^What if: Performing the operation \"(?<action>.*)\" on target \"(?<target>.*)\"\\.$", RegexOptions.Multiline);

    [Fact]
    public void WhatIf_changes_nothing_and_lists_exactly_the_steps_the_real_run_then_changes()
    {
        using var scenario = new InstallScenario();
        using var host = new KaiShellHost();

        var whatIf = host.Run("Install-Kai -ConfigPath $args[0] -Root $args[1] -WhatIf", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        Assert.False(Directory.Exists(scenario.Stage), "-WhatIf created the stage");
        var planned = WhatIfLine.Matches(whatIf.HostOutput).Select(m => (m.Groups["action"].Value, m.Groups["target"].Value)).ToList();
        Assert.True(planned.Count >= 14, whatIf.HostOutput);

        var real = host.Run("Install-Kai -ConfigPath $args[0] -Root $args[1] -Confirm:$false", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(real.Errors);
        var changed = real.Output.Where(o => (bool)o.Properties["Changed"].Value)
            .Select(o => ((string)o.Properties["Action"].Value, (string)o.Properties["Target"].Value)).ToList();
        Assert.Equal(planned, changed);
        Assert.Equal(real.Output.Count, real.Output.Select(o => o.Properties["Index"].Value).Distinct().Count());
    }

    [Fact]
    public void Real_apply_under_Root_builds_the_seed_layout_and_the_second_apply_changes_nothing()
    {
        using var scenario = new InstallScenario();
        using var host = new KaiShellHost();
        var first = host.Run("Install-Kai -ConfigPath $args[0] -Root $args[1] -Confirm:$false -Verbose -Debug", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(first.Errors);
        var kai = $"{scenario.UserName}:{scenario.UserName}";
        foreach (var (path, want) in new[]
                 {
                     ("opt/kai", "root:root 755"), ("opt/kai/home", $"{kai} 755"), ("opt/kai/bin/kai", "root:root 755"),
                     ("opt/kai/Kai/Kai.psd1", "root:root 644"), ("var/lib/kai", $"{kai} 755"), ("var/lib/kai/memory/MEMORY.md", $"{kai} 644"),
                     ("var/lib/kai/.responding", $"{kai} 755"), ("etc/kai", "root:root 755"), ("etc/kai/env", "root:root 600"),
                     ("etc/sudoers.d/kai", "root:root 440"), ("etc/systemd/system/kai.service", "root:root 644"),
                 })
            Assert.True(want == InstallScenario.Describe(scenario[path]), $"{path}: {InstallScenario.Describe(scenario[path])}, wants {want}");
        Assert.DoesNotContain(InstallScenario.BotToken, first.AllText);
        Assert.DoesNotContain(InstallScenario.ApiSecret, first.AllText);
        Assert.NotEmpty(first.Verbose);

        var second = host.Run("Install-Kai -ConfigPath $args[0] -Root $args[1] -Confirm:$false", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(second.Errors);
        Assert.Equal(first.Output.Count, second.Output.Count);
        Assert.All(second.Output, o => Assert.False((bool)o.Properties["Changed"].Value, $"{o.Properties["Step"].Value} changed again"));

        var test = host.Run("Test-KaiInstall -ConfigPath $args[0] -Root $args[1]", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(test.Errors);
        Assert.True(test.Value<bool>());
    }

    [Fact]
    public void Status_and_drift_report_a_changed_mode_and_name_the_step()
    {
        using var scenario = new InstallScenario();
        using var host = new KaiShellHost();
        Assert.Empty(host.Run("Install-Kai $args[0] -Root $args[1] -Confirm:$false", scenario.ConfigPath, scenario.Stage).Errors);

        var clean = host.Run("Get-KaiStatus -ConfigPath $args[0] -Root $args[1]", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(clean.Errors);
        var report = clean.Single();
        Assert.True((bool)report.Properties["InDesiredState"].Value);
        var text = (string)report.BaseObject.GetType().GetMethod("Render")!.Invoke(report.BaseObject, null)!;
        Assert.Contains("Kai Installation Status", text);
        Assert.Contains($"Installation: {scenario["opt/kai"]} (exists, root:root 0755)", text);
        Assert.Contains($"Data:         {scenario["var/lib/kai"]} (exists, {scenario.UserName}:{scenario.UserName} 0755)", text);
        Assert.Contains($"Secrets:      {scenario["etc/kai/env"]} (exists, root:root 0600)", text);
        Assert.Contains("Version:      0.1.0", text);
        Assert.Contains("Sandbox:", text);
        Assert.Contains("Drift:        none", text);

        File.SetUnixFileMode(scenario["etc/kai/env"], (UnixFileMode)0b110_100_100);
        Assert.False(host.Run("Test-KaiInstall $args[0] -Root $args[1]", scenario.ConfigPath, scenario.Stage).Value<bool>());
        var detailed = host.Run("Test-KaiInstall $args[0] -Root $args[1] -Detailed", scenario.ConfigPath, scenario.Stage);
        var drifted = Assert.Single(detailed.Output, o => o.Properties["Status"].Value.ToString() == "WouldChange");
        Assert.Equal("WriteSecrets", drifted.Properties["Step"].Value);
        Assert.Contains("mode 0644, wants 0600", (string)drifted.Properties["Detail"].Value);
        var status = host.Run("(Get-KaiStatus $args[0] -Root $args[1]).Drift", scenario.ConfigPath, scenario.Stage);
        Assert.Equal("WriteSecrets", Assert.Single(status.Output).Properties["Step"].Value);

        Assert.Empty(host.Run("Install-Kai $args[0] -Root $args[1] -Confirm:$false", scenario.ConfigPath, scenario.Stage).Errors);
        Assert.True(host.Run("Test-KaiInstall $args[0] -Root $args[1]", scenario.ConfigPath, scenario.Stage).Value<bool>());
    }

    [Fact]
    public void Bad_input_gives_one_error_with_a_stable_id_category_and_target()
    {
        using var scenario = new InstallScenario(serviceUser: "kaitestnosuchuser");
        using var host = new KaiShellHost();
        var noUser = host.Run("Install-Kai $args[0] -Root $args[1] -Confirm:$false", scenario.ConfigPath, scenario.Stage);
        var error = Assert.Single(noUser.Errors);
        Assert.StartsWith("ServiceUserNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("kaitestnosuchuser", error.TargetObject);
        Assert.False(Directory.Exists(scenario.Stage));

        using var good = new InstallScenario();
        var noSource = host.Run("Install-Kai $args[0] -Root $args[1] -SourcePath $args[2] -Confirm:$false", good.ConfigPath, good.Stage, Path.Combine(good.Directory, "nowhere"));
        Assert.StartsWith("SourceNotFound,", Assert.Single(noSource.Errors).FullyQualifiedErrorId);

        File.WriteAllText(Path.Combine(good.Directory, "not-a-dir"), "");
        var badRoot = host.Run("Install-Kai $args[0] -Root $args[1] -Confirm:$false", good.ConfigPath, Path.Combine(good.Directory, "not-a-dir"));
        Assert.StartsWith("InstallTargetNotWritable,", Assert.Single(badRoot.Errors).FullyQualifiedErrorId);

        File.WriteAllText(good.ConfigPath, "{ \"schemaVersion\": 1, \"serviceUser\": ");
        var truncated = host.Run("Install-Kai $args[0] -Root $args[1] -Confirm:$false", good.ConfigPath, good.Stage);
        var configError = Assert.Single(truncated.Errors);
        Assert.StartsWith("InstallConfigInvalid,", configError.FullyQualifiedErrorId);
        Assert.Contains("install.conf", configError.Exception.Message);
        Assert.False(Directory.Exists(good.Stage));
    }

    [Fact]
    public void Uninstall_keeps_data_and_secrets_unless_asked()
    {
        using var scenario = new InstallScenario();
        using var host = new KaiShellHost();
        Assert.Empty(host.Run("Install-Kai $args[0] -Root $args[1] -Confirm:$false", scenario.ConfigPath, scenario.Stage).Errors);
        File.WriteAllText(scenario["var/lib/kai/memory/MEMORY.md"], "keep me");

        var preview = host.Run("Uninstall-Kai $args[0] -Root $args[1] -WhatIf", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(preview.Errors);
        Assert.Contains("What if:", preview.HostOutput);
        Assert.True(File.Exists(scenario["opt/kai/bin/kai"]));

        var removed = host.Run("Uninstall-Kai $args[0] -Root $args[1] -Confirm:$false", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(removed.Errors);
        Assert.False(File.Exists(scenario["opt/kai/bin/kai"]));
        Assert.False(File.Exists(scenario["etc/sudoers.d/kai"]));
        Assert.False(File.Exists(scenario["etc/systemd/system/kai.service"]));
        Assert.True(Directory.Exists(scenario["opt/kai/home"]), "home/ is data");
        Assert.Equal("keep me", File.ReadAllText(scenario["var/lib/kai/memory/MEMORY.md"]));
        Assert.True(File.Exists(scenario["etc/kai/env"]));

        var all = host.Run("Uninstall-Kai $args[0] -Root $args[1] -RemoveData -RemoveSecrets -Confirm:$false", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(all.Errors);
        Assert.False(Directory.Exists(scenario["var/lib/kai"]));
        Assert.False(Directory.Exists(scenario["etc/kai"]));
        Assert.False(Directory.Exists(scenario["opt/kai"]));
    }

    [Fact]
    public void Step_parameter_completes_step_names_and_runs_only_those_steps()
    {
        using var host = new KaiShellHost();
        var completion = host.Run("(TabExpansion2 -inputScript 'Install-Kai -Step WriteS' -cursorColumn 24).CompletionMatches.CompletionText");
        Assert.Equal(["WriteSecrets", "WriteSudoers", "WriteServiceDefinition"], completion.Output.Select(o => o.ToString()));

        using var scenario = new InstallScenario();
        var only = host.Run("Install-Kai $args[0] -Root $args[1] -Step Directory -Confirm:$false", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(only.Errors);
        Assert.All(only.Output, o => Assert.Equal("Directory", o.Properties["Step"].Value));
        Assert.False(File.Exists(scenario["etc/kai/env"]));
        var unknown = host.Run("Install-Kai $args[0] -Root $args[1] -Step NoSuchStep -Confirm:$false", scenario.ConfigPath, scenario.Stage);
        Assert.StartsWith("StepNotFound,", Assert.Single(unknown.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void Confirm_asks_per_step_and_a_No_leaves_that_step_undone()
    {
        using var scenario = new InstallScenario();
        using var host = new KaiShellHost();
        host.Host.Console.Input.Enqueue("Yes");
        host.Host.Console.Input.Enqueue("No");
        host.Host.Console.Input.Enqueue("No to All");
        var run = host.Run("Install-Kai $args[0] -Root $args[1] -Step Directory -Confirm", scenario.ConfigPath, scenario.Stage);
        Assert.Empty(run.Errors);
        Assert.Equal(3, host.Host.Console.Prompts.Count);
        var statuses = run.Output.Select(o => o.Properties["Status"].Value.ToString()).ToList();
        Assert.Equal("Changed", statuses[0]);
        Assert.All(statuses.Skip(1), s => Assert.Equal("WouldChange", s));
        Assert.True(Directory.Exists(scenario["opt/kai"]));
        Assert.False(Directory.Exists(scenario["opt/kai/home"]));
    }

    [Fact]
    public void The_sequence_a_user_types_works_end_to_end()
    {
        using var scenario = new InstallScenario();
        File.Delete(scenario.ConfigPath);
        using var host = new KaiShellHost();
        var result = host.Run("""
            param($config, $stage, $user, $tokenText)
            $token = [System.Net.NetworkCredential]::new('', $tokenText).SecurePassword
            New-KaiInstallConfig -Path $config -TelegramBotToken $token -AllowedUserId 111,222 -ServiceUser $user -ApiPort 8080 -Force | Out-Null
            Install-Kai -ConfigPath $config -WhatIf
            Get-KaiInstallConfig $config | Install-Kai -Root $stage -WhatIf
            $applied = Install-Kai -ConfigPath $config -Root $stage -Confirm:$false
            $status = Get-KaiStatus -ConfigPath $config -Root $stage
            [pscustomobject]@{
                Changed = @($applied | Where-Object Changed).Count
                InDesiredState = Test-KaiInstall -ConfigPath $config -Root $stage
                Status = $status.Render()
            }
            """.Replace("param($config, $stage, $user, $tokenText)", "$config, $stage, $user, $tokenText = $args"),
            scenario.ConfigPath, scenario.Stage, scenario.UserName, InstallScenario.BotToken);
        Assert.Empty(result.Errors);
        var summary = result.Single();
        Assert.True(LanguagePrimitives.ConvertTo<int>(summary.Properties["Changed"].Value) >= 14);
        Assert.True(LanguagePrimitives.ConvertTo<bool>(summary.Properties["InDesiredState"].Value));
        Assert.Contains("Drift:        none", LanguagePrimitives.ConvertTo<string>(summary.Properties["Status"].Value));
        Assert.Contains("What if: Performing the operation \"Ensure directory root:root 0755\" on target \"/opt/kai\"", result.HostOutput);
        Assert.Contains($"What if: Performing the operation \"Ensure directory root:root 0755\" on target \"{scenario.Stage}/opt/kai\"", result.HostOutput);
        Assert.DoesNotContain(InstallScenario.BotToken, result.AllText);
    }
}
