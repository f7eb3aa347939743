using System.Diagnostics;
using System.Text.Json;
using Xunit;
using Kai.Native.Install;
using Kai.Native.Platform;

namespace Kai.Native.Tests.Install;

/// <summary>`kai install config` run as a real process (artifacts/bin/kai), answers on stdin.</summary>
public sealed class KaiInstallConfigCliTests : IDisposable
{
    private readonly ConfigTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Kai([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "artifacts", "bin", "kai"));

    private sealed record CliResult(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    private CliResult Run(string? stdin, IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(Kai())
        {
            WorkingDirectory = _dir.Path,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "install", "config" }.Concat(args)) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(60_000), "kai install config did not finish");
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private JsonElement Read(string name = "install.conf") => JsonDocument.Parse(File.ReadAllText(_dir.File(name))).RootElement;

    private static string Lines(params string[] answers) => string.Join("\n", answers) + "\n";

    [Fact]
    public void Interactive_answers_on_stdin_write_a_0600_config_and_the_next_step()
    {
        var result = Run(Lines(
            "", "", "", "",                      // install, data, service user, platform
            ConfigSamples.Token, "abc", "111,222", "",  // token, ids (bad then good), transport
            "opus", "", "",                      // model, timeout, budget
            "70000", "9000", "",                 // port (bad then good), secret: generate
            "", "",                              // workspaces
            "yes", "no", "", ""), null);         // voice, tts, claude user, perplexity

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("Configuration written to " + _dir.File("install.conf"), result.Stdout);
        Assert.Contains("Review the file, then run: sudo kai install apply\n", result.Stdout);
        Assert.Contains("! 'abc' is not a numeric Telegram user ID.", result.Stdout);
        Assert.Contains("! must be from 1 to 65535, not 70000.", result.Stdout);
        Assert.Contains("Install location [/opt/kai]: ", result.Stdout);
        Assert.DoesNotContain(ConfigSamples.Token, result.All);

        Assert.Equal("0600", UnixFiles.Stat(_dir.File("install.conf")).OctalMode);
        var json = Read();
        Assert.Equal(ConfigSamples.Token, json.GetProperty("telegramBotToken").GetString());
        Assert.Equal("opus", json.GetProperty("claudeModel").GetString());
        Assert.Equal(9000, json.GetProperty("apiPort").GetInt32());
        Assert.True(json.GetProperty("voiceTranscription").GetBoolean());
        Assert.DoesNotContain(json.GetProperty("apiSecret").GetString()!, result.All);
    }

    [Fact]
    public void A_rerun_offers_the_existing_values_and_keeps_secrets_on_enter()
    {
        InstallConfigFile.Save(ConfigSamples.Full() with { Transport = TelegramTransport.Polling }, _dir.File("install.conf"));
        var before = File.ReadAllText(_dir.File("install.conf"));
        var result = Run(Lines(Enumerable.Repeat("", 18).ToArray()), null);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("Bot token [keep current]: ", result.Stdout);
        Assert.Contains("Install location [/srv/kai/app]: ", result.Stdout);
        Assert.Equal(before, File.ReadAllText(_dir.File("install.conf")));
        foreach (var secret in ConfigSamples.SecretValues) Assert.DoesNotContain(secret, result.All);
    }

    [Fact]
    public void Options_change_fields_without_asking_and_keep_the_rest()
    {
        InstallConfigFile.Save(ConfigSamples.Valid(), _dir.File("install.conf"));
        var result = Run(null, new Dictionary<string, string> { ["KAI_TEST_PPLX"] = "pplx-EXAMPLE-not-a-real-key" },
            "--set", "apiPort=8081", "--set", "ClaudeModel=haiku", "--set", "allowedWorkspaces=/srv/a,/srv/b",
            "--secret-env", "perplexityApiKey=KAI_TEST_PPLX");
        Assert.True(result.ExitCode == 0, result.All);
        Assert.DoesNotContain("[", result.Stdout); // no questions
        var json = Read();
        Assert.Equal(8081, json.GetProperty("apiPort").GetInt32());
        Assert.Equal("haiku", json.GetProperty("claudeModel").GetString());
        Assert.Equal("/srv/b", json.GetProperty("allowedWorkspaces")[1].GetString());
        Assert.Equal("pplx-EXAMPLE-not-a-real-key", json.GetProperty("perplexityApiKey").GetString());
        Assert.Equal(ConfigSamples.Token, json.GetProperty("telegramBotToken").GetString());
        Assert.Equal(ConfigSamples.ApiSecret, json.GetProperty("apiSecret").GetString());
    }

    [Fact]
    public void A_fresh_config_from_options_reads_the_token_from_stdin()
    {
        var result = Run(ConfigSamples.Token + "\n", null,
            "--config", "sub.conf", "--secret-stdin", "telegramBotToken", "--set", "allowedUserIds=111,222", "--set", "serviceUser=kai");
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"Review the file, then run: sudo kai install apply --config {_dir.File("sub.conf")}", result.Stdout);
        Assert.Equal(ConfigSamples.Token, Read("sub.conf").GetProperty("telegramBotToken").GetString());
        Assert.True(Read("sub.conf").GetProperty("apiSecret").GetString()!.Length >= 40);
    }

    [Fact]
    public void Bad_options_are_one_error_naming_each_field_and_nothing_is_written()
    {
        var result = Run(null, null, "--set", "apiPort=abc", "--set", "telegramBotToken=SECRET-on-the-command-line", "--set", "apiPrt=1", "--set", "serviceUser=root");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("kai install config: Invalid options: 3 problems:", result.Stderr);
        Assert.Contains("--set apiPort: expected a whole number, not 'abc'.", result.Stderr);
        Assert.Contains("--set telegramBotToken: is a secret", result.Stderr);
        Assert.Contains("--set apiPrt: unknown field; did you mean 'apiPort'?", result.Stderr);
        Assert.DoesNotContain("SECRET-on-the-command-line", result.All);
        Assert.Empty(Directory.GetFiles(_dir.Path));

        var invalid = Run(null, null, "--set", "serviceUser=root", "--set", "allowedUserIds=1");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("serviceUser: must not be root", invalid.Stderr);
        Assert.Contains("telegramBotToken: is required", invalid.Stderr);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void End_of_input_writes_nothing()
    {
        var result = Run(Lines("", ""), null);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Input ended before every question was answered; nothing was written.", result.Stderr);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Show_prints_the_config_without_secrets_and_a_malformed_file_names_line_and_field()
    {
        InstallConfigFile.Save(ConfigSamples.Full(), _dir.File("install.conf"));
        var show = Run(null, null, "--show");
        Assert.True(show.ExitCode == 0, show.All);
        Assert.Contains("  Bot token                (set)", show.Stdout);
        Assert.Contains("  Allowed user IDs         111,222", show.Stdout);
        foreach (var secret in ConfigSamples.SecretValues) Assert.DoesNotContain(secret, show.All);

        _dir.Write("install.conf", "{\n  \"schemaVersion\": 1,\n  \"claudeModel\": \"gpt\"\n}\n");
        var bad = Run(null, null, "--show");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"Invalid install configuration '{_dir.File("install.conf")}': ", bad.Stderr);
        Assert.Contains("line 3, column 18: claudeModel: unknown value 'gpt'", bad.Stderr);
    }
}
