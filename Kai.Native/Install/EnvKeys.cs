namespace Kai.Native.Install;

/// <summary>
/// The variable names in /etc/kai/env: written by the installer, read by `kai serve`.
/// One list, so the two sides cannot drift.
/// </summary>
public static class EnvKeys
{
    public const string TelegramBotToken = "TELEGRAM_BOT_TOKEN";
    public const string AllowedUserIds = "ALLOWED_USER_IDS";            // comma-separated
    public const string TelegramTransport = "TELEGRAM_TRANSPORT";       // polling | webhook
    public const string TelegramWebhookUrl = "TELEGRAM_WEBHOOK_URL";
    public const string TelegramWebhookSecret = "TELEGRAM_WEBHOOK_SECRET";
    public const string ClaudeModel = "CLAUDE_MODEL";                   // haiku | sonnet | opus
    public const string ClaudeTimeoutSeconds = "CLAUDE_TIMEOUT_SECONDS";
    public const string ClaudeMaxBudgetUsd = "CLAUDE_MAX_BUDGET_USD";
    public const string ApiPort = "WEBHOOK_PORT";
    public const string ApiSecret = "WEBHOOK_SECRET";                   // bearer secret for /api/* and /webhook/*
    public const string ApiBind = "KAI_API_BIND";                       // default 127.0.0.1
    public const string WorkspaceBase = "WORKSPACE_BASE";
    public const string AllowedWorkspaces = "ALLOWED_WORKSPACES";       // comma-separated absolute paths
    public const string VoiceEnabled = "VOICE_ENABLED";                 // true | false
    public const string TtsEnabled = "TTS_ENABLED";
    public const string ClaudeUser = "CLAUDE_USER";
    public const string ClaudeBinary = "CLAUDE_BIN";                    // the same path the sudoers rules name
    public const string PerplexityApiKey = "PERPLEXITY_API_KEY";
    public const string DataDirectory = "KAI_DATA_DIR";
    public const string InstallDirectory = "KAI_INSTALL_DIR";

    /// <summary>Keys whose values are secrets (never logged, never passed into a sandbox).</summary>
    public static readonly IReadOnlySet<string> Secrets = new HashSet<string>(StringComparer.Ordinal)
    {
        TelegramBotToken, TelegramWebhookSecret, ApiSecret, PerplexityApiKey,
    };
}
