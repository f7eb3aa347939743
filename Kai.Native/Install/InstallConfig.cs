namespace Kai.Native.Install;

public enum ServicePlatform { Linux, Darwin }

public enum TelegramTransport { Polling, Webhook }

public enum ClaudeModel { Haiku, Sonnet, Opus }

/// <summary>Whole-machine install (root, /opt/kai, system service) or one user's (XDG paths, user unit).</summary>
public enum InstallScope { AllUsers, CurrentUser }

/// <summary>
/// Everything `install config` asks and `install apply` reads (seed 000's tables), held in memory.
/// Persisted as versioned JSON (install.conf, mode 0600) by <see cref="InstallConfigFile"/>.
/// </summary>
public sealed record InstallConfig
{
    public const int CurrentSchemaVersion = 1;

    // Installation paths
    public string InstallDirectory { get; init; } = "/opt/kai";
    public string DataDirectory { get; init; } = "/var/lib/kai";
    public string ServiceUser { get; init; } = "kai";
    public ServicePlatform Platform { get; init; } = OperatingSystem.IsMacOS() ? ServicePlatform.Darwin : ServicePlatform.Linux;
    public InstallScope Scope { get; init; } = InstallScope.AllUsers;

    // Telegram
    public Secret? TelegramBotToken { get; init; }
    public IReadOnlyList<long> AllowedUserIds { get; init; } = Array.Empty<long>();
    public TelegramTransport Transport { get; init; } = TelegramTransport.Polling;
    public string? WebhookUrl { get; init; }
    public Secret? WebhookSecret { get; init; }

    // Claude
    public ClaudeModel ClaudeModel { get; init; } = ClaudeModel.Sonnet;
    public int ClaudeTimeoutSeconds { get; init; } = 120;
    public decimal ClaudeMaxBudgetUsd { get; init; } = 10.0m;

    // Webhook / API server
    public int ApiPort { get; init; } = 8080;
    public Secret? ApiSecret { get; init; }

    // Workspaces
    public string? WorkspaceBase { get; init; }
    public IReadOnlyList<string> AllowedWorkspaces { get; init; } = Array.Empty<string>();

    // Optional features
    public bool VoiceEnabled { get; init; }
    public bool TtsEnabled { get; init; }
    public string? ClaudeUser { get; init; }
    public Secret? PerplexityApiKey { get; init; }
}
