using Xunit;
using Kai.Native.Install;

namespace Kai.Native.Tests.Install;

/// <summary>Every field's rules: each problem names its field; secrets never appear in a message.</summary>
public sealed class InstallConfigValidatorTests
{
    public static TheoryData<string, string, string> BadValues() => new()
    {
        { "relative install directory", "installDirectory", "must be an absolute path" },
        { "root install directory", "installDirectory", "'/' is a system directory" },
        { "usr install directory", "installDirectory", "'/usr' is a system directory" },
        { "dot-dot install directory", "installDirectory", "must not contain '.' or '..'" },
        { "install directory in /etc/kai", "installDirectory", "overlaps the secrets directory /etc/kai" },
        { "data directory inside install", "dataDirectory", "must not contain each other" },
        { "install directory inside data", "dataDirectory", "must not contain each other" },
        { "same directories", "dataDirectory", "must differ from the install location" },
        { "empty data directory", "dataDirectory", "is required" },
        { "service user with space", "serviceUser", "is not a valid user name" },
        { "service user starting with dash", "serviceUser", "is not a valid user name" },
        { "numeric service user", "serviceUser", "is not a valid user name" },
        { "root service user", "serviceUser", "must not be root" },
        { "long service user", "serviceUser", "is not a valid user name" },
        { "missing token", "telegramBotToken", "is required" },
        { "token without colon", "telegramBotToken", "does not look like a Telegram bot token" },
        { "token with short tail", "telegramBotToken", "does not look like a Telegram bot token" },
        { "no allowed users", "allowedUserIds", "at least one Telegram user ID is required" },
        { "negative allowed user", "allowedUserIds[1]", "must be a positive Telegram user ID, not -3" },
        { "webhook without URL", "webhookUrl", "is required when the transport is webhook" },
        { "webhook over http", "webhookUrl", "must use https" },
        { "webhook on odd port", "webhookUrl", "Telegram delivers webhooks only to ports 443, 80, 88, 8443" },
        { "webhook relative URL", "webhookUrl", "is not an absolute URL" },
        { "webhook secret with spaces", "webhookSecret", "must be 1 to 256 characters" },
        { "zero timeout", "claudeTimeoutSeconds", "must be from 1 to 86400 seconds, not 0" },
        { "negative budget", "claudeMaxBudgetUsd", "must be more than 0 USD, not -1" },
        { "port zero", "apiPort", "must be from 1 to 65535, not 0" },
        { "port too big", "apiPort", "must be from 1 to 65535, not 65536" },
        { "missing api secret", "apiSecret", "is required" },
        { "short api secret", "apiSecret", "must be at least 16 characters" },
        { "api secret with space", "apiSecret", "printable ASCII characters without spaces" },
        { "relative workspace base", "workspaceBase", "must be an absolute path" },
        { "relative allowed workspace", "allowedWorkspaces[1]", "must be an absolute path" },
        { "claude user is service user", "claudeUser", "must differ from the service user ('kai')" },
        { "claude user invalid", "claudeUser", "is not a valid user name" },
        { "claude user root", "claudeUser", "must not be root" },
        { "claude user in user scope", "claudeUser", "needs a system-wide install" },
        { "perplexity key with newline", "perplexityApiKey", "printable ASCII characters without spaces" },
    };

    private static InstallConfig Mutate(string name) => name switch
    {
        "relative install directory" => ConfigSamples.Valid() with { InstallDirectory = "opt/kai" },
        "root install directory" => ConfigSamples.Valid() with { InstallDirectory = "/" },
        "usr install directory" => ConfigSamples.Valid() with { InstallDirectory = "/usr" },
        "dot-dot install directory" => ConfigSamples.Valid() with { InstallDirectory = "/opt/kai/../etc" },
        "install directory in /etc/kai" => ConfigSamples.Valid() with { InstallDirectory = "/etc/kai/app" },
        "data directory inside install" => ConfigSamples.Valid() with { DataDirectory = "/opt/kai/data" },
        "install directory inside data" => ConfigSamples.Valid() with { InstallDirectory = "/var/lib/kai/app" },
        "same directories" => ConfigSamples.Valid() with { DataDirectory = "/opt/kai" },
        "empty data directory" => ConfigSamples.Valid() with { DataDirectory = "" },
        "service user with space" => ConfigSamples.Valid() with { ServiceUser = "kai user" },
        "service user starting with dash" => ConfigSamples.Valid() with { ServiceUser = "-kai" },
        "numeric service user" => ConfigSamples.Valid() with { ServiceUser = "1000" },
        "root service user" => ConfigSamples.Valid() with { ServiceUser = "root" },
        "long service user" => ConfigSamples.Valid() with { ServiceUser = new string('k', 33) },
        "missing token" => ConfigSamples.Valid() with { TelegramBotToken = null },
        "token without colon" => ConfigSamples.Valid() with { TelegramBotToken = new Secret("123456EXAMPLEnotarealtokenatall") },
        "token with short tail" => ConfigSamples.Valid() with { TelegramBotToken = new Secret("123456:short") },
        "no allowed users" => ConfigSamples.Valid() with { AllowedUserIds = Array.Empty<long>() },
        "negative allowed user" => ConfigSamples.Valid() with { AllowedUserIds = new long[] { 111, -3 } },
        "webhook without URL" => ConfigSamples.Valid() with { Transport = TelegramTransport.Webhook },
        "webhook over http" => ConfigSamples.Valid() with { Transport = TelegramTransport.Webhook, WebhookUrl = "http://kai.example.com/hook" },
        "webhook on odd port" => ConfigSamples.Valid() with { Transport = TelegramTransport.Webhook, WebhookUrl = "https://kai.example.com:8080/hook" },
        "webhook relative URL" => ConfigSamples.Valid() with { Transport = TelegramTransport.Webhook, WebhookUrl = "/hook" },
        "webhook secret with spaces" => ConfigSamples.Valid() with { WebhookSecret = new Secret("has spaces SECRET") },
        "zero timeout" => ConfigSamples.Valid() with { ClaudeTimeoutSeconds = 0 },
        "negative budget" => ConfigSamples.Valid() with { ClaudeMaxBudgetUsd = -1 },
        "port zero" => ConfigSamples.Valid() with { ApiPort = 0 },
        "port too big" => ConfigSamples.Valid() with { ApiPort = 65536 },
        "missing api secret" => ConfigSamples.Valid() with { ApiSecret = null },
        "short api secret" => ConfigSamples.Valid() with { ApiSecret = new Secret("short-SECRET") },
        "api secret with space" => ConfigSamples.Valid() with { ApiSecret = new Secret("this has a SECRET space inside") },
        "relative workspace base" => ConfigSamples.Valid() with { WorkspaceBase = "Projects" },
        "relative allowed workspace" => ConfigSamples.Valid() with { AllowedWorkspaces = new[] { "/srv/a", "b" } },
        "claude user is service user" => ConfigSamples.Valid() with { ClaudeUser = "kai" },
        "claude user invalid" => ConfigSamples.Valid() with { ClaudeUser = "Claude User" },
        "claude user root" => ConfigSamples.Valid() with { ClaudeUser = "root" },
        "claude user in user scope" => ConfigSamples.Valid() with
        {
            Scope = InstallScope.CurrentUser, InstallDirectory = "/home/alice/.local/lib/kai", DataDirectory = "/home/alice/.local/share/kai",
            ServiceUser = "alice", ClaudeUser = "claude",
        },
        "perplexity key with newline" => ConfigSamples.Valid() with { PerplexityApiKey = new Secret("pplx-SECRET\nline") },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Each_bad_value_is_one_problem_naming_its_field(string name, string field, string message)
    {
        var problems = InstallConfigValidator.Validate(Mutate(name));
        var problem = Assert.Single(problems);
        Assert.Equal(field, problem.Field);
        Assert.Contains(message, problem.Message);
        Assert.DoesNotContain("SECRET", problem.Message);
        Assert.DoesNotContain("EXAMPLE", problem.Message);
    }

    [Fact]
    public void The_samples_are_valid()
    {
        Assert.Empty(InstallConfigValidator.Validate(ConfigSamples.Valid()));
        Assert.Empty(InstallConfigValidator.Validate(ConfigSamples.Full()));
    }

    [Fact]
    public void Allowed_user_ids_are_optional_when_users_yaml_exists()
    {
        var config = ConfigSamples.Valid() with { AllowedUserIds = Array.Empty<long>() };
        Assert.Single(InstallConfigValidator.Validate(config));
        Assert.Empty(InstallConfigValidator.Validate(config, usersYamlAvailable: true));
    }

    [Fact]
    public void ThrowIfInvalid_lists_every_problem_in_one_exception()
    {
        var config = ConfigSamples.Valid() with { ApiPort = 0, ClaudeTimeoutSeconds = -1, ServiceUser = "root" };
        var error = Assert.Throws<ConfigValidationException>(() => InstallConfigValidator.ThrowIfInvalid(config, "New-KaiInstallConfig", "x"));
        Assert.Equal(3, error.Problems.Count);
        Assert.Equal(KaiErrorKind.InvalidArgument, error.Kind);
        Assert.Equal("New-KaiInstallConfig: 3 problems:\n  serviceUser: must not be root: a protected installation runs the service as an unprivileged user.\n"
            + "  claudeTimeoutSeconds: must be from 1 to 86400 seconds, not -1.\n  apiPort: must be from 1 to 65535, not 0.", error.Message);
    }

    [Fact]
    public void Every_field_has_rules_a_label_and_a_parameter()
    {
        foreach (var field in InstallConfigFields.All)
        {
            Assert.NotNull(InstallConfigValidator.ValidateField(field, ConfigSamples.Valid()));
            Assert.False(string.IsNullOrEmpty(field.Label));
            Assert.False(string.IsNullOrEmpty(field.ParameterName));
            Assert.Same(field, InstallConfigFields.Find(field.Key));
            Assert.Same(field, InstallConfigFields.Find(field.ParameterName));
        }
        Assert.Equal(21, InstallConfigFields.All.Count);
    }

    [Theory]
    [InlineData("apiPort", " 8081 ", 8081)]
    [InlineData("voiceTranscription", "yes", true)]
    [InlineData("textToSpeech", "off", false)]
    [InlineData("claudeModel", "Opus", ClaudeModel.Opus)]
    [InlineData("transport", "WEBHOOK", TelegramTransport.Webhook)]
    [InlineData("serviceUser", " kai ", "kai")]
    [InlineData("webhookUrl", "", null)]
    public void Text_answers_parse_to_typed_values(string key, string text, object? expected)
    {
        Assert.Equal(expected, InstallConfigFields.Find(key)!.ParseText(text));
    }

    [Fact]
    public void Lists_and_paths_parse_from_text()
    {
        Assert.Equal(new long[] { 111, 222 }, (IReadOnlyList<long>)InstallConfigFields.AllowedUserIds.ParseText("111, 222 111")!);
        Assert.Equal(new[] { "/home/alice/a", "/srv/b" },
            (IReadOnlyList<string>)InstallConfigFields.AllowedWorkspaces.ParseText("~/a/, /srv//b", home: "/home/alice")!);
        Assert.Equal("/home/alice/Projects", InstallConfigFields.WorkspaceBase.ParseText("~/Projects", home: "/home/alice"));
        Assert.Equal(2.5m, InstallConfigFields.ClaudeMaxBudgetUsd.ParseText("2.5"));
    }

    [Theory]
    [InlineData("apiPort", "eighty", "expected a whole number, not 'eighty'.")]
    [InlineData("claudeMaxBudgetUsd", "1,000", "expected a number such as 10 or 2.5, not '1,000'.")]
    [InlineData("allowedUserIds", "111,@bob", "'@bob' is not a numeric Telegram user ID.")]
    [InlineData("platform", "windows", "'windows' is not one of: linux, darwin.")]
    [InlineData("voiceTranscription", "maybe", "expected yes or no (true/false), not 'maybe'.")]
    public void Bad_text_answers_explain_what_is_expected(string key, string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => InstallConfigFields.Find(key)!.ParseText(text));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Secrets_are_never_formatted()
    {
        foreach (var field in InstallConfigFields.All.Where(f => f.IsSecret))
        {
            Assert.True(field.HasValue(ConfigSamples.Full()));
            Assert.Null(field.FormatValue(ConfigSamples.Full()));
        }
        Assert.Equal(4, InstallConfigFields.All.Count(f => f.IsSecret));
    }

    [Fact]
    public void Rescope_moves_default_paths_but_keeps_chosen_ones()
    {
        var moved = InstallConfigDefaults.Rescope(ConfigSamples.Valid(), InstallScope.CurrentUser);
        Assert.Equal(InstallScope.CurrentUser, moved.Scope);
        Assert.NotEqual("/opt/kai", moved.InstallDirectory);
        Assert.NotEqual("/var/lib/kai", moved.DataDirectory);
        Assert.Empty(InstallConfigValidator.Validate(moved));

        var chosen = InstallConfigDefaults.Rescope(ConfigSamples.Full(), InstallScope.CurrentUser);
        Assert.Equal("/srv/kai/app", chosen.InstallDirectory);
        Assert.Equal("kaisvc", chosen.ServiceUser);
    }
}
