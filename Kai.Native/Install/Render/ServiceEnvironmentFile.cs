using System.Globalization;
using Kai.Native.IO;

namespace Kai.Native.Install;

/// <summary>The variables written to /etc/kai/env (0600): every install.conf value the service reads, secrets included.</summary>
public static class ServiceEnvironmentFile
{
    public static IReadOnlyList<KeyValuePair<string, string>> Variables(InstallConfig config, ServiceSettings settings)
    {
        var list = new List<KeyValuePair<string, string>>();
        void Add(string key, string? value)
        {
            if (value is not null) list.Add(new(key, value));
        }

        Add(EnvKeys.TelegramBotToken, config.TelegramBotToken?.Reveal());
        Add(EnvKeys.AllowedUserIds, string.Join(',', config.AllowedUserIds.Select(id => id.ToString(CultureInfo.InvariantCulture))));
        Add(EnvKeys.TelegramTransport, config.Transport.ToString().ToLowerInvariant());
        Add(EnvKeys.TelegramWebhookUrl, config.WebhookUrl);
        Add(EnvKeys.TelegramWebhookSecret, config.WebhookSecret?.Reveal());
        Add(EnvKeys.ClaudeModel, config.ClaudeModel.ToString().ToLowerInvariant());
        Add(EnvKeys.ClaudeTimeoutSeconds, config.ClaudeTimeoutSeconds.ToString(CultureInfo.InvariantCulture));
        Add(EnvKeys.ClaudeMaxBudgetUsd, config.ClaudeMaxBudgetUsd.ToString(CultureInfo.InvariantCulture));
        Add(EnvKeys.ApiPort, config.ApiPort.ToString(CultureInfo.InvariantCulture));
        Add(EnvKeys.ApiSecret, config.ApiSecret?.Reveal());
        Add(EnvKeys.WorkspaceBase, config.WorkspaceBase);
        if (config.AllowedWorkspaces.Count > 0) Add(EnvKeys.AllowedWorkspaces, string.Join(',', config.AllowedWorkspaces));
        Add(EnvKeys.VoiceEnabled, config.VoiceEnabled ? "true" : "false");
        Add(EnvKeys.TtsEnabled, config.TtsEnabled ? "true" : "false");
        Add(EnvKeys.ClaudeUser, config.ClaudeUser);
        Add(EnvKeys.ClaudeBinary, settings.ClaudeBinary);
        Add(EnvKeys.PerplexityApiKey, config.PerplexityApiKey?.Reveal());
        Add(EnvKeys.DataDirectory, settings.DataDirectory);
        Add(EnvKeys.InstallDirectory, settings.InstallDirectory);
        return list;
    }

    public static string Render(InstallConfig config, ServiceSettings settings) => EnvFile.Render(Variables(config, settings));
}
