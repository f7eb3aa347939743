using System.Globalization;
using F = Kai.Native.Install.InstallConfigFields;

namespace Kai.Native.Install;

/// <summary>
/// Checks every field of an <see cref="InstallConfig"/>. Rules that involve two fields are reported on the
/// later one in seed order (data directory vs install directory, Claude user vs service user), so the
/// questionnaire can check each answer as it comes.
/// </summary>
public static class InstallConfigValidator
{
    public const int ApiSecretMinimumLength = 16;
    public const int MaxTimeoutSeconds = 86_400;

    /// <summary>Every problem of every field, in seed order; empty when the config is valid.</summary>
    public static IReadOnlyList<ConfigProblem> Validate(InstallConfig config, bool usersYamlAvailable = false) =>
        F.All.SelectMany(field => ValidateField(field, config, usersYamlAvailable)).ToList();

    /// <summary>Throws one <see cref="ConfigValidationException"/> (ErrorId InstallConfigInvalid) listing every problem.</summary>
    public static void ThrowIfInvalid(InstallConfig config, string subject, object? target, bool usersYamlAvailable = false,
        KaiErrorKind kind = KaiErrorKind.InvalidArgument)
    {
        var problems = Validate(config, usersYamlAvailable);
        if (problems.Count > 0) throw new ConfigValidationException(InstallConfigFile.InvalidErrorId, kind, subject, problems, target);
    }

    /// <summary>users.yaml beside install.conf, when there is one (it makes allowed user IDs optional).</summary>
    public static string? FindUsersYaml(string configPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(configPath));
        if (directory is null) return null;
        var candidate = Path.Combine(directory, "users.yaml");
        return File.Exists(candidate) ? candidate : null;
    }

    public static IReadOnlyList<ConfigProblem> ValidateField(InstallConfigField field, InstallConfig config, bool usersYamlAvailable = false)
    {
        var problems = new List<ConfigProblem>();
        void Add(string? message, string? key = null)
        {
            if (message is not null) problems.Add(new ConfigProblem(key ?? field.Key, message));
        }

        switch (field.Key)
        {
            case "installDirectory":
                Add(ConfigRules.InstallRootPath(config.InstallDirectory));
                if (problems.Count == 0 && config.Scope == InstallScope.AllUsers && Overlaps(config.InstallDirectory, "/etc/kai"))
                    Add($"'{config.InstallDirectory}' overlaps the secrets directory /etc/kai.");
                break;
            case "dataDirectory":
                Add(ConfigRules.InstallRootPath(config.DataDirectory));
                if (problems.Count > 0) break;
                if (config.Scope == InstallScope.AllUsers && Overlaps(config.DataDirectory, "/etc/kai"))
                    Add($"'{config.DataDirectory}' overlaps the secrets directory /etc/kai.");
                else if (ConfigRules.InstallRootPath(config.InstallDirectory) is null && Overlaps(config.DataDirectory, config.InstallDirectory))
                    Add(config.DataDirectory == config.InstallDirectory
                        ? $"must differ from the install location ('{config.InstallDirectory}'): the install tree is replaced on every apply."
                        : $"'{config.DataDirectory}' and the install location '{config.InstallDirectory}' must not contain each other: the install tree is replaced on every apply, data must survive it.");
                break;
            case "serviceUser":
                // A per-user install runs as its user, whoever that is; a system install never as root.
                Add(ConfigRules.UserName(config.ServiceUser, allowRoot: config.Scope == InstallScope.CurrentUser));
                break;
            case "platform":
                if (!Enum.IsDefined(config.Platform)) Add($"must be {EnumText.Expected<ServicePlatform>()}.");
                break;
            case "scope":
                if (!Enum.IsDefined(config.Scope)) Add($"must be {EnumText.Expected<InstallScope>()}.");
                break;
            case "telegramBotToken":
                Add(ConfigRules.BotToken(config.TelegramBotToken));
                break;
            case "allowedUserIds":
                if (config.AllowedUserIds.Count == 0 && !usersYamlAvailable)
                    Add("at least one Telegram user ID is required (or a users.yaml beside install.conf).");
                for (var i = 0; i < config.AllowedUserIds.Count; i++)
                {
                    if (config.AllowedUserIds[i] <= 0)
                        Add($"must be a positive Telegram user ID, not {config.AllowedUserIds[i].ToString(CultureInfo.InvariantCulture)}.", $"{field.Key}[{i}]");
                }
                break;
            case "transport":
                if (!Enum.IsDefined(config.Transport)) Add($"must be {EnumText.Expected<TelegramTransport>()}.");
                break;
            case "webhookUrl":
                if (config.Transport == TelegramTransport.Webhook || !string.IsNullOrEmpty(config.WebhookUrl))
                    Add(ConfigRules.WebhookUrl(config.WebhookUrl));
                break;
            case "webhookSecret":
                Add(ConfigRules.TelegramSecret(config.WebhookSecret));
                break;
            case "claudeModel":
                if (!Enum.IsDefined(config.ClaudeModel)) Add($"must be {EnumText.Expected<ClaudeModel>()}.");
                break;
            case "claudeTimeoutSeconds":
                if (config.ClaudeTimeoutSeconds <= 0 || config.ClaudeTimeoutSeconds > MaxTimeoutSeconds)
                    Add($"must be from 1 to {MaxTimeoutSeconds} seconds, not {config.ClaudeTimeoutSeconds}.");
                break;
            case "claudeMaxBudgetUsd":
                if (config.ClaudeMaxBudgetUsd <= 0)
                    Add($"must be more than 0 USD, not {config.ClaudeMaxBudgetUsd.ToString(CultureInfo.InvariantCulture)}.");
                break;
            case "apiPort":
                if (config.ApiPort is < 1 or > 65535) Add($"must be from 1 to 65535, not {config.ApiPort}.");
                break;
            case "apiSecret":
                Add(ConfigRules.HeaderSafeSecret(config.ApiSecret, ApiSecretMinimumLength) is { } secretProblem
                    ? secretProblem == "is required." ? "is required (New-KaiInstallConfig and `kai install config` generate one when none is given)." : secretProblem
                    : null);
                break;
            case "workspaceBase":
                if (config.WorkspaceBase is { Length: > 0 } workspaceBase) Add(ConfigRules.AbsolutePath(workspaceBase));
                break;
            case "allowedWorkspaces":
                for (var i = 0; i < config.AllowedWorkspaces.Count; i++)
                    Add(ConfigRules.AbsolutePath(config.AllowedWorkspaces[i]), $"{field.Key}[{i}]");
                break;
            case "voiceTranscription":
            case "textToSpeech":
                break;
            case "claudeUser":
                if (string.IsNullOrEmpty(config.ClaudeUser)) break;
                Add(ConfigRules.UserName(config.ClaudeUser, allowRoot: false));
                if (problems.Count > 0) break;
                if (config.ClaudeUser == config.ServiceUser)
                    Add($"must differ from the service user ('{config.ServiceUser}'); leave it empty to run Claude as the service user.");
                else if (config.Scope == InstallScope.CurrentUser)
                    Add("user separation needs sudoers rules, so it needs a system-wide install (scope allUsers).");
                break;
            case "perplexityApiKey":
                if (config.PerplexityApiKey is { IsEmpty: false } key && ConfigRules.HeaderSafeSecret(key, 1) is { } keyProblem)
                    Add(keyProblem);
                break;
            default:
                throw new ArgumentException($"No rules for field '{field.Key}'.", nameof(field));
        }
        return problems;
    }

    private static bool Overlaps(string a, string b) => ConfigRules.IsSameOrUnder(a, b) || ConfigRules.IsSameOrUnder(b, a);
}
