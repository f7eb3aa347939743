using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>Whether a secret has a value; the value itself is never part of a view.</summary>
public enum SecretState { NotSet, Set }

/// <summary>
/// What New-KaiInstallConfig, Get-KaiInstallConfig and `kai install config --show` display: every field,
/// secrets only as <see cref="SecretState"/>, plus the file's path, mode and owner.
/// </summary>
public sealed class InstallConfigView
{
    public required string Path { get; init; }
    public int SchemaVersion { get; init; } = InstallConfig.CurrentSchemaVersion;
    public InstallScope Scope { get; init; }
    public required string InstallDirectory { get; init; }
    public required string DataDirectory { get; init; }
    public required string ServiceUser { get; init; }
    public ServicePlatform Platform { get; init; }
    public SecretState TelegramBotToken { get; init; }
    public long[] AllowedUserIds { get; init; } = Array.Empty<long>();
    public TelegramTransport Transport { get; init; }
    public string? WebhookUrl { get; init; }
    public SecretState WebhookSecret { get; init; }
    public ClaudeModel ClaudeModel { get; init; }
    public int ClaudeTimeoutSeconds { get; init; }
    public decimal ClaudeMaxBudgetUsd { get; init; }
    public int ApiPort { get; init; }
    public SecretState ApiSecret { get; init; }
    public string? WorkspaceBase { get; init; }
    public string[] AllowedWorkspaces { get; init; } = Array.Empty<string>();
    public bool VoiceTranscription { get; init; }
    public bool TextToSpeech { get; init; }
    public string? ClaudeUser { get; init; }
    public SecretState PerplexityApiKey { get; init; }
    /// <summary>The file's mode ("0600"), or null when it was not written (e.g. -WhatIf).</summary>
    public string? FileMode { get; init; }
    public string? Owner { get; init; }
    /// <summary>Set when others can read the file (it holds secrets).</summary>
    public string? PermissionWarning { get; init; }

    public static InstallConfigView From(InstallConfig config, string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var status = UnixFiles.TryStat(full);
        return new InstallConfigView
        {
            Path = full,
            Scope = config.Scope,
            InstallDirectory = config.InstallDirectory,
            DataDirectory = config.DataDirectory,
            ServiceUser = config.ServiceUser,
            Platform = config.Platform,
            TelegramBotToken = State(config.TelegramBotToken),
            AllowedUserIds = config.AllowedUserIds.ToArray(),
            Transport = config.Transport,
            WebhookUrl = config.WebhookUrl,
            WebhookSecret = State(config.WebhookSecret),
            ClaudeModel = config.ClaudeModel,
            ClaudeTimeoutSeconds = config.ClaudeTimeoutSeconds,
            ClaudeMaxBudgetUsd = config.ClaudeMaxBudgetUsd,
            ApiPort = config.ApiPort,
            ApiSecret = State(config.ApiSecret),
            WorkspaceBase = config.WorkspaceBase,
            AllowedWorkspaces = config.AllowedWorkspaces.ToArray(),
            VoiceTranscription = config.VoiceEnabled,
            TextToSpeech = config.TtsEnabled,
            ClaudeUser = config.ClaudeUser,
            PerplexityApiKey = State(config.PerplexityApiKey),
            FileMode = status?.OctalMode,
            Owner = status is null ? null : $"{status.Owner}:{status.Group}",
            PermissionWarning = status is null ? null : InstallConfigFile.PermissionWarning(full),
        };
    }

    /// <summary>"Label : value" lines in seed order, secrets as set / not set (for the console).</summary>
    public static IEnumerable<(string Section, string Label, string Value)> Describe(InstallConfig config)
    {
        foreach (var field in InstallConfigFields.All)
        {
            var value = field.IsSecret
                ? field.HasValue(config) ? "(set)" : "(not set)"
                : field.FormatValue(config) is { Length: > 0 } text ? text : "(none)";
            yield return (field.Section, field.Label, value);
        }
    }

    private static SecretState State(Secret? secret) => secret is null || secret.IsEmpty ? SecretState.NotSet : SecretState.Set;

    public override string ToString() => Path;
}
