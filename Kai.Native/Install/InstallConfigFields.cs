using System.Globalization;

namespace Kai.Native.Install;

/// <summary>What kind of value a field holds (decides parsing from text and JSON, and how it is asked).</summary>
public enum InstallFieldKind { Text, UserName, Path, Choice, Secret, Boolean, Integer, Decimal, IdList, PathList }

/// <summary>
/// One field of install.conf (a row of seed 000's tables): its JSON key, the seed's label and section,
/// the New-KaiInstallConfig parameter that sets it, and typed get/set on <see cref="InstallConfig"/>.
/// Values by kind: Text/UserName/Path → string?, Choice → the enum, Secret → Secret?, Boolean → bool,
/// Integer → int, Decimal → decimal, IdList → IReadOnlyList&lt;long&gt;, PathList → IReadOnlyList&lt;string&gt;.
/// </summary>
public sealed class InstallConfigField
{
    private readonly Func<InstallConfig, object?> _get;
    private readonly Func<InstallConfig, object?, InstallConfig> _set;
    private readonly Func<string, object?>? _parseChoice;

    internal InstallConfigField(string key, string section, string label, string description, string parameterName, InstallFieldKind kind,
        Func<InstallConfig, object?> get, Func<InstallConfig, object?, InstallConfig> set,
        bool optional = false, bool asked = true, IReadOnlyList<string>? choices = null, Func<string, object?>? parseChoice = null)
    {
        Key = key;
        Section = section;
        Label = label;
        Description = description;
        ParameterName = parameterName;
        Kind = kind;
        IsOptional = optional;
        IsAsked = asked;
        Choices = choices ?? Array.Empty<string>();
        _get = get;
        _set = set;
        _parseChoice = parseChoice;
    }

    /// <summary>The JSON key in install.conf and the name `kai install config --set` takes.</summary>
    public string Key { get; }
    public string Section { get; }
    public string Label { get; }
    public string Description { get; }
    /// <summary>The New-KaiInstallConfig parameter that sets this field.</summary>
    public string ParameterName { get; }
    public InstallFieldKind Kind { get; }
    public bool IsSecret => Kind == InstallFieldKind.Secret;
    /// <summary>May be empty (no value); required fields are checked by <see cref="InstallConfigValidator"/>.</summary>
    public bool IsOptional { get; }
    /// <summary>Whether the interactive questionnaire asks it (scope is chosen up front instead).</summary>
    public bool IsAsked { get; }
    public IReadOnlyList<string> Choices { get; }

    public object? GetValue(InstallConfig config) => _get(config);

    public InstallConfig SetValue(InstallConfig config, object? value) => _set(config, value);

    /// <summary>Whether a secret (or any field) currently has a value.</summary>
    public bool HasValue(InstallConfig config) => GetValue(config) switch
    {
        null => false,
        string s => s.Length > 0,
        Secret s => !s.IsEmpty,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    /// <summary>The value as text (what a prompt offers as default). Secrets are never formatted: null.</summary>
    public string? FormatValue(InstallConfig config)
    {
        if (IsSecret) return null;
        return GetValue(config) switch
        {
            null => null,
            string s => s,
            bool b => b ? "true" : "false",
            int i => i.ToString(CultureInfo.InvariantCulture),
            decimal d => d.ToString(CultureInfo.InvariantCulture),
            IReadOnlyList<long> ids => string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture))),
            IReadOnlyList<string> paths => string.Join(",", paths),
            Enum e => EnumText.ToText(e),
            var other => other.ToString(),
        };
    }

    /// <summary>
    /// Parses text typed at a prompt or given as <c>--set key=value</c>. Empty text means "no value" for
    /// optional fields. '~' in paths is the invoking user's home. Throws <see cref="FormatException"/> with a
    /// message that never repeats a secret.
    /// </summary>
    public object? ParseText(string text, string? home = null)
    {
        var trimmed = text.Trim();
        switch (Kind)
        {
            case InstallFieldKind.Secret:
                return trimmed.Length == 0 ? null : new Secret(trimmed);
            case InstallFieldKind.Text:
            case InstallFieldKind.UserName:
                return trimmed.Length == 0 ? null : trimmed;
            case InstallFieldKind.Path:
                return trimmed.Length == 0 ? null : ConfigRules.NormalizePath(InvokingUser.ExpandHome(trimmed, home));
            case InstallFieldKind.Choice:
                return _parseChoice!(trimmed) ?? throw new FormatException($"'{ConfigRules.Printable(trimmed)}' is not {ExpectedChoices}.");
            case InstallFieldKind.Boolean:
                return ParseBoolean(trimmed) ?? throw new FormatException($"expected yes or no (true/false), not '{ConfigRules.Printable(trimmed)}'.");
            case InstallFieldKind.Integer:
                return int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                    ? number
                    : throw new FormatException($"expected a whole number, not '{ConfigRules.Printable(trimmed)}'.");
            case InstallFieldKind.Decimal:
                return decimal.TryParse(trimmed, NumberStyles.Number & ~NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var amount)
                    ? amount
                    : throw new FormatException($"expected a number such as 10 or 2.5, not '{ConfigRules.Printable(trimmed)}'.");
            case InstallFieldKind.IdList:
                return SplitList(trimmed).Select(item => long.TryParse(item, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id)
                    ? id
                    : throw new FormatException($"'{ConfigRules.Printable(item)}' is not a numeric Telegram user ID.")).Distinct().ToArray();
            case InstallFieldKind.PathList:
                return SplitList(trimmed).Select(item => ConfigRules.NormalizePath(InvokingUser.ExpandHome(item, home))).Distinct(StringComparer.Ordinal).ToArray();
            default:
                throw new InvalidOperationException($"Unknown field kind {Kind}.");
        }
    }

    public string ExpectedChoices => "one of: " + string.Join(", ", Choices);

    internal object? ParseChoice(string text) => _parseChoice!(text);

    public override string ToString() => Key;

    private static IEnumerable<string> SplitList(string text) =>
        text.Split(new[] { ',', ' ', '\t', ';' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static bool? ParseBoolean(string text) => text.ToLowerInvariant() switch
    {
        "y" or "yes" or "true" or "on" or "1" => true,
        "n" or "no" or "false" or "off" or "0" => false,
        _ => null,
    };
}

/// <summary>Every install.conf field, in the order of seed 000's tables (the order `install config` asks them).</summary>
public static class InstallConfigFields
{
    public const string InstallationPaths = "Installation paths";
    public const string Telegram = "Telegram";
    public const string Claude = "Claude";
    public const string WebhookServer = "Webhook server";
    public const string Workspaces = "Workspaces";
    public const string OptionalFeatures = "Optional features";

    public static readonly InstallConfigField InstallDirectory = new("installDirectory", InstallationPaths, "Install location",
        "Where the Kai program files go (root-owned, read-only)", "InstallDirectory", InstallFieldKind.Path,
        c => c.InstallDirectory, (c, v) => c with { InstallDirectory = (string?)v ?? "" });

    public static readonly InstallConfigField DataDirectory = new("dataDirectory", InstallationPaths, "Data directory",
        "Where the database, logs and files go (owned by the service user)", "DataDirectory", InstallFieldKind.Path,
        c => c.DataDirectory, (c, v) => c with { DataDirectory = (string?)v ?? "" });

    public static readonly InstallConfigField ServiceUser = new("serviceUser", InstallationPaths, "Service user",
        "The OS user the service runs as", "ServiceUser", InstallFieldKind.UserName,
        c => c.ServiceUser, (c, v) => c with { ServiceUser = (string?)v ?? "" });

    public static readonly InstallConfigField Platform = Choice<ServicePlatform>("platform", InstallationPaths, "Platform",
        "linux (systemd) or darwin (launchd); detected automatically", "Platform",
        c => c.Platform, (c, v) => c with { Platform = v });

    public static readonly InstallConfigField Scope = Choice<InstallScope>("scope", InstallationPaths, "Scope",
        "allUsers: a system service (root install); currentUser: a per-user service without root", "Scope",
        c => c.Scope, (c, v) => c with { Scope = v }, asked: false);

    public static readonly InstallConfigField TelegramBotToken = new("telegramBotToken", Telegram, "Bot token",
        "From @BotFather", "TelegramBotToken", InstallFieldKind.Secret,
        c => c.TelegramBotToken, (c, v) => c with { TelegramBotToken = (Secret?)v });

    public static readonly InstallConfigField AllowedUserIds = new("allowedUserIds", Telegram, "Allowed user IDs",
        "Comma-separated Telegram user IDs (not required when users.yaml exists)", "AllowedUserId", InstallFieldKind.IdList,
        c => c.AllowedUserIds, (c, v) => c with { AllowedUserIds = (IReadOnlyList<long>?)v ?? Array.Empty<long>() }, optional: true);

    public static readonly InstallConfigField Transport = Choice<TelegramTransport>("transport", Telegram, "Transport",
        "polling or webhook", "Transport",
        c => c.Transport, (c, v) => c with { Transport = v });

    public static readonly InstallConfigField WebhookUrl = new("webhookUrl", Telegram, "Webhook URL",
        "The public https URL Telegram posts updates to (required if transport is webhook)", "WebhookUrl", InstallFieldKind.Text,
        c => c.WebhookUrl, (c, v) => c with { WebhookUrl = (string?)v }, optional: true);

    public static readonly InstallConfigField WebhookSecret = new("webhookSecret", Telegram, "Webhook secret",
        "Optional Telegram webhook verification secret", "WebhookSecret", InstallFieldKind.Secret,
        c => c.WebhookSecret, (c, v) => c with { WebhookSecret = (Secret?)v }, optional: true);

    public static readonly InstallConfigField ClaudeModel = Choice<ClaudeModel>("claudeModel", Claude, "Model",
        "haiku, sonnet, or opus", "ClaudeModel",
        c => c.ClaudeModel, (c, v) => c with { ClaudeModel = v });

    public static readonly InstallConfigField ClaudeTimeoutSeconds = new("claudeTimeoutSeconds", Claude, "Timeout",
        "Seconds before Claude times out", "ClaudeTimeoutSec", InstallFieldKind.Integer,
        c => c.ClaudeTimeoutSeconds, (c, v) => c with { ClaudeTimeoutSeconds = (int)v! });

    public static readonly InstallConfigField ClaudeMaxBudgetUsd = new("claudeMaxBudgetUsd", Claude, "Budget",
        "Max USD per session", "ClaudeBudgetUsd", InstallFieldKind.Decimal,
        c => c.ClaudeMaxBudgetUsd, (c, v) => c with { ClaudeMaxBudgetUsd = (decimal)v! });

    public static readonly InstallConfigField ApiPort = new("apiPort", WebhookServer, "Port",
        "Webhook/API server port", "ApiPort", InstallFieldKind.Integer,
        c => c.ApiPort, (c, v) => c with { ApiPort = (int)v! });

    public static readonly InstallConfigField ApiSecret = new("apiSecret", WebhookServer, "Secret",
        "Required for all /api/* and /webhook/* endpoints (generated when left empty)", "ApiSecret", InstallFieldKind.Secret,
        c => c.ApiSecret, (c, v) => c with { ApiSecret = (Secret?)v });

    public static readonly InstallConfigField WorkspaceBase = new("workspaceBase", Workspaces, "Workspace base",
        "Base directory for workspace name resolution (e.g. ~/Projects)", "WorkspaceBase", InstallFieldKind.Path,
        c => c.WorkspaceBase, (c, v) => c with { WorkspaceBase = (string?)v }, optional: true);

    public static readonly InstallConfigField AllowedWorkspaces = new("allowedWorkspaces", Workspaces, "Allowed workspaces",
        "Comma-separated absolute paths for pinned workspaces", "AllowedWorkspace", InstallFieldKind.PathList,
        c => c.AllowedWorkspaces, (c, v) => c with { AllowedWorkspaces = (IReadOnlyList<string>?)v ?? Array.Empty<string>() }, optional: true);

    public static readonly InstallConfigField VoiceTranscription = new("voiceTranscription", OptionalFeatures, "Voice transcription",
        "Enable whisper.cpp speech-to-text", "VoiceTranscription", InstallFieldKind.Boolean,
        c => c.VoiceEnabled, (c, v) => c with { VoiceEnabled = (bool)v! });

    public static readonly InstallConfigField TextToSpeech = new("textToSpeech", OptionalFeatures, "Text-to-speech",
        "Enable Piper text-to-speech", "TextToSpeech", InstallFieldKind.Boolean,
        c => c.TtsEnabled, (c, v) => c with { TtsEnabled = (bool)v! });

    public static readonly InstallConfigField ClaudeUser = new("claudeUser", OptionalFeatures, "Claude subprocess user",
        "Optional separate OS user the inner Claude process runs as (user separation)", "ClaudeUser", InstallFieldKind.UserName,
        c => c.ClaudeUser, (c, v) => c with { ClaudeUser = (string?)v }, optional: true);

    public static readonly InstallConfigField PerplexityApiKey = new("perplexityApiKey", OptionalFeatures, "Perplexity API key",
        "For the external services proxy", "PerplexityApiKey", InstallFieldKind.Secret,
        c => c.PerplexityApiKey, (c, v) => c with { PerplexityApiKey = (Secret?)v }, optional: true);

    /// <summary>Seed order.</summary>
    public static IReadOnlyList<InstallConfigField> All { get; } = new[]
    {
        InstallDirectory, DataDirectory, ServiceUser, Platform, Scope,
        TelegramBotToken, AllowedUserIds, Transport, WebhookUrl, WebhookSecret,
        ClaudeModel, ClaudeTimeoutSeconds, ClaudeMaxBudgetUsd,
        ApiPort, ApiSecret,
        WorkspaceBase, AllowedWorkspaces,
        VoiceTranscription, TextToSpeech, ClaudeUser, PerplexityApiKey,
    };

    /// <summary>Finds a field by JSON key or parameter name, case-insensitively.</summary>
    public static InstallConfigField? Find(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase))
        ?? All.FirstOrDefault(f => string.Equals(f.ParameterName, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>"did you mean 'apiPort'?" for a mistyped key, or null when nothing is close.</summary>
    public static string? Suggest(string name)
    {
        var best = All.Select(f => (f.Key, Distance: EditDistance(name.ToLowerInvariant(), f.Key.ToLowerInvariant())))
            .OrderBy(x => x.Distance).First();
        return best.Distance <= Math.Max(1, name.Length / 3) ? best.Key : null;
    }

    private static InstallConfigField Choice<T>(string key, string section, string label, string description, string parameterName,
        Func<InstallConfig, T> get, Func<InstallConfig, T, InstallConfig> set, bool asked = true) where T : struct, Enum =>
        new(key, section, label, description, parameterName, InstallFieldKind.Choice,
            c => get(c), (c, v) => set(c, (T)v!), asked: asked, choices: EnumText.Names<T>(),
            parseChoice: text => EnumText.TryParse<T>(text, out var value) ? value : null);

    internal static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
