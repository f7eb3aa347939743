using System.Collections;
using System.Management.Automation;
using System.Security;
using System.Text.Json;
using Kai.PowerShell.Tests.Hosting;

namespace Kai.PowerShell.Tests;

/// <summary>New-KaiInstallConfig and Get-KaiInstallConfig in the real engine.</summary>
public sealed class InstallConfigTests : IDisposable
{
    private const string Token = "123456:EXAMPLE-not-a-real-token";
    private const string ApiSecret = "EXAMPLE-api-secret-0123456789";
    private const string Perplexity = "pplx-EXAMPLE-not-a-real-key";
    private readonly string _dir = Directory.CreateTempSubdirectory("kai-ps-config-").FullName;
    private readonly KaiShellHost _host = new();

    public void Dispose()
    {
        _host.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string ConfPath => Path.Combine(_dir, "install.conf");

    private static SecureString Secure(string value)
    {
        var secure = new SecureString();
        foreach (var c in value) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    private ScriptResult Run(string script, params object?[] arguments) =>
        _host.Run(script, new Hashtable { ["token"] = Secure(Token), ["apiSecret"] = Secure(ApiSecret), ["pplx"] = Secure(Perplexity), ["dir"] = _dir }, arguments);

    private static void NoSecrets(ScriptResult result)
    {
        Assert.DoesNotContain(Token, result.AllText);
        Assert.DoesNotContain(ApiSecret, result.AllText);
        Assert.DoesNotContain(Perplexity, result.AllText);
    }

    private JsonElement ReadFile() => JsonDocument.Parse(File.ReadAllText(ConfPath)).RootElement;

    private static object? Prop(PSObject obj, string name) => obj.Properties[name].Value;

    [Fact]
    public void The_issue_command_line_writes_a_0600_config_relative_to_the_powershell_location()
    {
        var result = Run("""
            $null = $ExecutionContext.SessionState.Path.SetLocation($dir)
            New-KaiInstallConfig -Path ./install.conf -TelegramBotToken $token -AllowedUserId 111,222 -ServiceUser kai -ApiPort 8080 -Force -Verbose
            """);

        Assert.Empty(result.Errors);
        Assert.True(File.Exists(ConfPath), "written under the PowerShell location, not the process cwd");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfPath));
        Assert.Single(Directory.GetFiles(_dir));

        var view = result.Single();
        Assert.Equal("Kai.Native.Install.InstallConfigView", view.BaseObject.GetType().FullName);
        Assert.Equal(ConfPath, Prop(view, "Path"));
        Assert.Equal("Set", Prop(view, "TelegramBotToken")!.ToString());
        Assert.Equal("Set", Prop(view, "ApiSecret")!.ToString());
        Assert.Equal("NotSet", Prop(view, "PerplexityApiKey")!.ToString());
        Assert.Equal(new long[] { 111, 222 }, (long[])Prop(view, "AllowedUserIds")!);
        Assert.Equal("0600", Prop(view, "FileMode"));
        Assert.Contains(result.Verbose, v => v.Contains("generating one", StringComparison.Ordinal));

        var json = ReadFile();
        Assert.Equal(1, json.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(Token, json.GetProperty("telegramBotToken").GetString());
        Assert.Equal("kai", json.GetProperty("serviceUser").GetString());
        Assert.Equal(8080, json.GetProperty("apiPort").GetInt32());
        var generated = json.GetProperty("apiSecret").GetString()!;
        Assert.True(generated.Length >= 40);
        NoSecrets(result);
        Assert.DoesNotContain(generated, result.AllText);

        // Out-Host renders through the module's list view (Out-String lives in a module this engine lacks).
        var formatted = Run("$args[0] | Out-Host", view);
        Assert.Empty(formatted.Errors);
        var text = System.Text.RegularExpressions.Regex.Replace(formatted.HostOutput, "\u001b\\[[0-9;]*m", "");
        Assert.Contains("TelegramBotToken     : Set\n", text);
        Assert.Contains("AllowedUserIds       : 111, 222\n", text);
        Assert.Contains("PerplexityApiKey     : NotSet\n", text);
        NoSecrets(formatted);
        Assert.DoesNotContain(generated, formatted.AllText);
    }

    [Fact]
    public void Every_parameter_round_trips_through_Get_KaiInstallConfig()
    {
        var result = Run("""
            $null = $ExecutionContext.SessionState.Path.SetLocation($dir)
            $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::Combine($dir, 'ws'))
            New-KaiInstallConfig -Path install.conf -TelegramBotToken $token -AllowedUserId 5,6 -ServiceUser kaisvc `
                -InstallDirectory /srv/kai/app -DataDirectory /srv/kai/data -Platform Darwin -Transport Webhook `
                -WebhookUrl https://kai.example.com/hook -WebhookSecret $apiSecret -ClaudeModel Opus -ClaudeTimeoutSec 300 `
                -ClaudeBudgetUsd 2.5 -ApiPort 9090 -ApiSecret $apiSecret -WorkspaceBase ./ws -AllowedWorkspace ./ws, /srv/x `
                -VoiceTranscription -TextToSpeech -ClaudeUser claude -PerplexityApiKey $pplx -Scope AllUsers
            Get-KaiInstallConfig -Path install.conf
            """);
        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Output.Count);
        var view = result.Output[1];
        Assert.Equal("/srv/kai/app", Prop(view, "InstallDirectory"));
        Assert.Equal("Darwin", Prop(view, "Platform")!.ToString());
        Assert.Equal("Webhook", Prop(view, "Transport")!.ToString());
        Assert.Equal("Opus", Prop(view, "ClaudeModel")!.ToString());
        Assert.Equal(300, Prop(view, "ClaudeTimeoutSeconds"));
        Assert.Equal(2.5m, Prop(view, "ClaudeMaxBudgetUsd"));
        Assert.Equal(9090, Prop(view, "ApiPort"));
        Assert.Equal(Path.Combine(_dir, "ws"), Prop(view, "WorkspaceBase"));
        Assert.Equal(new[] { Path.Combine(_dir, "ws"), "/srv/x" }, (string[])Prop(view, "AllowedWorkspaces")!);
        Assert.Equal(true, Prop(view, "VoiceTranscription"));
        Assert.Equal("claude", Prop(view, "ClaudeUser"));
        Assert.Equal("Set", Prop(view, "PerplexityApiKey")!.ToString());
        Assert.Equal(ApiSecret, ReadFile().GetProperty("apiSecret").GetString());
        Assert.Equal(Perplexity, ReadFile().GetProperty("perplexityApiKey").GetString());
        NoSecrets(result);
    }

    [Fact]
    public void WhatIf_validates_but_writes_nothing()
    {
        var result = Run("New-KaiInstallConfig -Path ([System.IO.Path]::Combine($dir, 'install.conf')) -TelegramBotToken $token -AllowedUserId 111 -WhatIf");
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
        Assert.Contains("What if", result.HostOutput);

        var invalid = Run("New-KaiInstallConfig -Path ([System.IO.Path]::Combine($dir, 'install.conf')) -TelegramBotToken $token -WhatIf");
        Assert.Equal("InstallConfigInvalid,Kai.PowerShell.Cmdlets.Install.NewKaiInstallConfigCommand", Assert.Single(invalid.Errors).FullyQualifiedErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void An_existing_file_without_Force_is_a_ResourceExists_error_and_stays_untouched()
    {
        File.WriteAllText(ConfPath, "original");
        var result = Run("New-KaiInstallConfig -Path $args[0] -TelegramBotToken $token -AllowedUserId 111", ConfPath);
        var error = Assert.Single(result.Errors);
        Assert.Equal("InstallConfigExists,Kai.PowerShell.Cmdlets.Install.NewKaiInstallConfigCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(ConfPath, error.TargetObject);
        Assert.Contains("-Force", error.ErrorDetails!.RecommendedAction);
        Assert.Equal("original", File.ReadAllText(ConfPath));
    }

    [Fact]
    public void Force_updates_only_what_is_passed_and_keeps_the_secrets()
    {
        Assert.Empty(Run("New-KaiInstallConfig -Path $args[0] -TelegramBotToken $token -AllowedUserId 111 -ApiSecret $apiSecret -PerplexityApiKey $pplx", ConfPath).Errors);
        var result = Run("New-KaiInstallConfig -Path $args[0] -ClaudeModel Haiku -ApiPort 9000 -Force", ConfPath);
        Assert.Empty(result.Errors);
        var json = ReadFile();
        Assert.Equal("haiku", json.GetProperty("claudeModel").GetString());
        Assert.Equal(9000, json.GetProperty("apiPort").GetInt32());
        Assert.Equal(Token, json.GetProperty("telegramBotToken").GetString());
        Assert.Equal(ApiSecret, json.GetProperty("apiSecret").GetString());
        Assert.Equal(Perplexity, json.GetProperty("perplexityApiKey").GetString());
        Assert.Equal(111, json.GetProperty("allowedUserIds")[0].GetInt64());
        NoSecrets(result);

        // Empty values remove optional ones.
        Assert.Empty(Run("New-KaiInstallConfig -Path $args[0] -PerplexityApiKey ([System.Security.SecureString]::new()) -AllowedWorkspace @() -Force", ConfPath).Errors);
        Assert.Equal(JsonValueKind.Null, ReadFile().GetProperty("perplexityApiKey").ValueKind);
    }

    [Fact]
    public void Bad_parameters_are_one_error_naming_each_parameter()
    {
        var result = Run("New-KaiInstallConfig -Path $args[0] -ServiceUser 'Bad User' -ClaudeUser root -DataDirectory /opt/kai/data -Transport Webhook", ConfPath);
        var error = Assert.Single(result.Errors);
        Assert.Equal("InstallConfigInvalid,Kai.PowerShell.Cmdlets.Install.NewKaiInstallConfigCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(ConfPath, error.TargetObject);
        var message = error.Exception.Message;
        Assert.Contains("-DataDirectory: '/opt/kai/data' and the install location '/opt/kai' must not contain each other", message);
        Assert.Contains("-ServiceUser: 'Bad User' is not a valid user name", message);
        Assert.Contains("-TelegramBotToken: is required", message);
        Assert.Contains("-AllowedUserId: at least one Telegram user ID is required", message);
        Assert.Contains("-WebhookUrl: is required when the transport is webhook", message);
        Assert.Contains("-ClaudeUser: must not be root", message);
        Assert.False(File.Exists(ConfPath));

        var badToken = _host.Run("New-KaiInstallConfig -Path $args[0] -TelegramBotToken $args[1] -AllowedUserId 1", ConfPath, Secure("SECRET-but-not-a-token"));
        Assert.Contains("-TelegramBotToken: does not look like a Telegram bot token", Assert.Single(badToken.Errors).Exception.Message);
        Assert.DoesNotContain("SECRET-but", badToken.AllText);

        var port = Run("New-KaiInstallConfig -Path $args[0] -TelegramBotToken $token -AllowedUserId 1 -ApiPort 70000", ConfPath);
        Assert.Equal(ErrorCategory.InvalidData, Assert.Single(port.Errors).CategoryInfo.Category);
        Assert.StartsWith("ParameterArgumentValidationError", port.Errors[0].FullyQualifiedErrorId);

        var model = Run("New-KaiInstallConfig -Path $args[0] -TelegramBotToken $token -AllowedUserId 1 -ClaudeModel gpt", ConfPath);
        Assert.Contains("Haiku", Assert.Single(model.Errors).Exception.Message);
        Assert.False(File.Exists(ConfPath));
    }

    [Fact]
    public void Interactive_asks_through_the_host_and_validates_each_answer()
    {
        foreach (var answer in new[]
        {
            "", "", "", "linux",                   // install, data, service user, platform (choice)
            "abc", "111,222",                      // allowed ids: a bad answer first
            "polling", "sonnet", "", "", "",       // transport, model, timeout, budget, port
            "",                                    // API secret: generate
            "", "",                                // workspace base, allowed workspaces
            "no", "yes", "", "",                   // voice, tts, claude user, perplexity key
        })
            _host.Host.Console.Input.Enqueue(answer);

        var result = Run("New-KaiInstallConfig -Path $args[0] -TelegramBotToken $token -Interactive", ConfPath);

        Assert.Empty(result.Errors);
        Assert.Empty(_host.Host.Console.Input);
        Assert.DoesNotContain(_host.Host.Console.Prompts, p => p.StartsWith("Bot token", StringComparison.Ordinal));
        Assert.Contains("Install location [/opt/kai]", _host.Host.Console.Prompts);
        Assert.Contains("Secret [generate]", _host.Host.Console.Prompts);
        Assert.Contains("Allowed user IDs: 'abc' is not a numeric Telegram user ID.", result.HostOutput);
        var json = ReadFile();
        Assert.Equal(222, json.GetProperty("allowedUserIds")[1].GetInt64());
        Assert.True(json.GetProperty("textToSpeech").GetBoolean());
        Assert.False(json.GetProperty("voiceTranscription").GetBoolean());
        NoSecrets(result);
    }

    [Fact]
    public void Interactive_on_an_existing_file_keeps_everything_on_enter_without_showing_secrets()
    {
        Assert.Empty(Run("New-KaiInstallConfig -Path $args[0] -TelegramBotToken $token -AllowedUserId 7 -ApiSecret $apiSecret -PerplexityApiKey $pplx -ClaudeModel Opus", ConfPath).Errors);
        var before = File.ReadAllText(ConfPath);
        foreach (var answer in new[] { "", "", "", "linux", "", "", "polling", "opus", "", "", "", "", "", "", "no", "no", "", "" })
            _host.Host.Console.Input.Enqueue(answer);

        var result = Run("New-KaiInstallConfig -Path $args[0] -Interactive", ConfPath);

        Assert.Empty(result.Errors);
        Assert.Empty(_host.Host.Console.Input);
        Assert.Contains("Bot token [keep current]", _host.Host.Console.Prompts);
        Assert.Contains("Perplexity API key [keep current]", _host.Host.Console.Prompts);
        Assert.Equal(before, File.ReadAllText(ConfPath));
        NoSecrets(result);
    }

    [Fact]
    public void Get_KaiInstallConfig_reports_a_malformed_file_with_line_and_field()
    {
        File.WriteAllText(ConfPath, "{\n  \"schemaVersion\": 1,\n  \"apiPort\": \"eighty\"\n}\n");
        File.SetUnixFileMode(ConfPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var result = Run("Get-KaiInstallConfig -Path $args[0]", ConfPath);
        var error = Assert.Single(result.Errors);
        Assert.Equal("InstallConfigInvalid,Kai.PowerShell.Cmdlets.Install.GetKaiInstallConfigCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(ConfPath, error.TargetObject);
        Assert.Contains($"'{ConfPath}'", error.Exception.Message);
        Assert.Contains("line 3, column 14: apiPort: expected a whole number, found a string.", error.Exception.Message);

        var missing = Run("Get-KaiInstallConfig -Path ([System.IO.Path]::Combine($dir, 'nope.conf'))");
        Assert.Equal(ErrorCategory.ObjectNotFound, Assert.Single(missing.Errors).CategoryInfo.Category);
    }

    [Fact]
    public void Get_KaiInstallConfig_warns_when_others_can_read_the_file()
    {
        Assert.Empty(Run("New-KaiInstallConfig -Path $args[0] -TelegramBotToken $token -AllowedUserId 7", ConfPath).Errors);
        File.SetUnixFileMode(ConfPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var result = Run("$null = $ExecutionContext.SessionState.Path.SetLocation($dir); Get-KaiInstallConfig");
        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, w => w.Contains("0644", StringComparison.Ordinal) && w.Contains("chmod 600", StringComparison.Ordinal));
        Assert.Equal("0644", Prop(result.Single(), "FileMode"));
        NoSecrets(result);
    }

    [Fact]
    public void CurrentUser_scope_uses_home_paths_and_the_current_account()
    {
        var result = Run("New-KaiInstallConfig -Path $args[0] -Scope CurrentUser -TelegramBotToken $token -AllowedUserId 7", ConfPath);
        Assert.Empty(result.Errors);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var view = result.Single();
        Assert.Equal("CurrentUser", Prop(view, "Scope")!.ToString());
        Assert.StartsWith(home + "/", (string)Prop(view, "InstallDirectory")!);
        Assert.StartsWith(home + "/", (string)Prop(view, "DataDirectory")!);
        Assert.Equal(Environment.UserName, Prop(view, "ServiceUser"));

        // Back to a system install: the per-user defaults move back to the seed's.
        var back = Run("New-KaiInstallConfig -Path $args[0] -Scope AllUsers -ServiceUser kai -Force", ConfPath);
        Assert.Empty(back.Errors);
        Assert.Equal("/opt/kai", Prop(back.Single(), "InstallDirectory"));
        Assert.Equal("/var/lib/kai", Prop(back.Single(), "DataDirectory"));
    }

    [Fact]
    public void Get_KaiInstallConfig_output_pipes_into_New_KaiInstallConfig_by_path()
    {
        Assert.Empty(Run("New-KaiInstallConfig -Path $args[0] -TelegramBotToken $token -AllowedUserId 7", ConfPath).Errors);
        var result = Run("Get-KaiInstallConfig -Path $args[0] | New-KaiInstallConfig -ApiPort 8123 -Force", ConfPath);
        Assert.Empty(result.Errors);
        Assert.Equal(8123, ReadFile().GetProperty("apiPort").GetInt32());
    }

    [Fact]
    public void Enum_parameters_complete_their_values()
    {
        var result = _host.Run("""
            (TabExpansion2 -inputScript 'New-KaiInstallConfig -ClaudeModel ' -cursorColumn 34).CompletionMatches.CompletionText
            """);
        Assert.Equal(new[] { "Haiku", "Opus", "Sonnet" }, result.Output.Select(o => o.ToString()).Order());

        // The ValidateSets (strings, see NewKaiInstallConfigCommand) list exactly the engine's enum names.
        var sets = _host.Run("""
            $engine = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Kai.Native' }
            $command = Get-Command New-KaiInstallConfig
            foreach ($pair in @(@('Platform', 'ServicePlatform'), @('Transport', 'TelegramTransport'), @('ClaudeModel', 'ClaudeModel'), @('Scope', 'InstallScope'))) {
                $valid = ($command.Parameters[$pair[0]].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues -join ','
                $names = [System.Enum]::GetNames($engine.GetType('Kai.Native.Install.' + $pair[1])) -join ','
                '{0}:{1}' -f $pair[0], ($valid -eq $names)
            }
            """);
        Assert.Empty(sets.Errors);
        Assert.Equal(new[] { "Platform:True", "Transport:True", "ClaudeModel:True", "Scope:True" }, sets.Output.Select(o => o.ToString()));
    }
}
