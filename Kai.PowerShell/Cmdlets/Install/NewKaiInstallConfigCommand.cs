using System.Management.Automation;
using System.Security;
using Kai.Native;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>
/// <para type="synopsis">Creates or updates install.conf, the configuration Install-Kai applies.</para>
/// Every field of the seed's tables is a parameter. An existing file's values are the defaults for
/// anything not given, so re-running changes only what is passed (or answered with -Interactive).
/// Without -Interactive it never prompts. Secrets are SecureStrings and are never shown.
/// Choice parameters are strings with ValidateSet, not the engine's enums: PowerShell enumerates this
/// assembly's types (GetExportedTypes) before the module's load context is hooked up, and enum-typed
/// fields would make that load Kai.Native from the default context, which fails.
/// </summary>
[Cmdlet(VerbsCommon.New, "KaiInstallConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(InstallConfigView))]
public sealed class NewKaiInstallConfigCommand : KaiCmdlet
{
    public const string ExistsErrorId = "InstallConfigExists";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ConfigPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    public SecureString? TelegramBotToken { get; set; }

    [Parameter]
    [AllowEmptyCollection]
    [ValidateRange(1, long.MaxValue)]
    public long[]? AllowedUserId { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ServiceUser { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? InstallDirectory { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DataDirectory { get; set; }

    [Parameter]
    [ValidateSet("Linux", "Darwin")]
    public string? Platform { get; set; }

    [Parameter]
    [ValidateSet("Polling", "Webhook")]
    public string? Transport { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? WebhookUrl { get; set; }

    [Parameter]
    public SecureString? WebhookSecret { get; set; }

    [Parameter]
    [ValidateSet("Haiku", "Sonnet", "Opus")]
    public string? ClaudeModel { get; set; }

    [Parameter]
    [ValidateRange(1, InstallConfigValidator.MaxTimeoutSeconds)]
    public int ClaudeTimeoutSec { get; set; }

    [Parameter]
    public decimal ClaudeBudgetUsd { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int ApiPort { get; set; }

    [Parameter]
    public SecureString? ApiSecret { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? WorkspaceBase { get; set; }

    [Parameter]
    [AllowEmptyCollection]
    public string[]? AllowedWorkspace { get; set; }

    [Parameter]
    public SwitchParameter VoiceTranscription { get; set; }

    [Parameter]
    public SwitchParameter TextToSpeech { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? ClaudeUser { get; set; }

    [Parameter]
    public SecureString? PerplexityApiKey { get; set; }

    [Parameter]
    [ValidateSet("AllUsers", "CurrentUser")]
    public string? Scope { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter Interactive { get; set; }

    protected override void ProcessRecordCore()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (Directory.Exists(path))
            throw new KaiException(InstallConfigFile.WriteErrorId, KaiErrorKind.InvalidArgument, $"'{path}' is a directory; give the path of the install.conf file.", path);
        var exists = File.Exists(path);
        if (exists && !Force && !Interactive)
        {
            throw new KaiException(ExistsErrorId, KaiErrorKind.ResourceExists, $"The install configuration '{path}' already exists.", path)
            {
                RecommendedAction = "Pass -Force to update it (values you do not pass are kept), or -Interactive to review every value.",
            };
        }

        var usersYaml = InstallConfigValidator.FindUsersYaml(path);
        var config = Bind(StartingPoint(path, exists), out var given);
        if (Interactive)
        {
            config = new InstallConfigQuestionnaire(new HostInstallPrompter(Host.UI))
            {
                Fixed = given,
                UsersYamlAvailable = usersYaml is not null,
                HomeDirectory = SessionState.Path.GetUnresolvedProviderPathFromPSPath("~"),
            }.Run(config);
        }
        if (config.ApiSecret is null || config.ApiSecret.IsEmpty) WriteVerbose("No API secret given: generating one (cryptographically random).");
        config = InstallConfigFile.Complete(config);
        ThrowIfInvalid(config, path, usersYaml is not null);

        var action = exists ? "Update the Kai install configuration" : "Create the Kai install configuration";
        if (!ShouldProcess(path, action)) return;
        InstallConfigFile.Save(config, path);
        WriteVerbose($"Wrote '{path}' (mode 0600).");
        WriteObject(InstallConfigView.From(config, path));
    }

    /// <summary>The existing file's values, or the scope's defaults when there is no (usable) file.</summary>
    private InstallConfig StartingPoint(string path, bool exists)
    {
        var scope = IsBound(nameof(Scope)) ? Choice<InstallScope>(Scope) : InstallScope.AllUsers;
        if (!exists) return InstallConfigDefaults.For(scope);
        try
        {
            var existing = InstallConfigFile.Load(path, new InstallConfigLoadOptions { UsersYamlAvailable = true });
            WriteVerbose($"Starting from the values in '{path}'.");
            return IsBound(nameof(Scope)) ? InstallConfigDefaults.Rescope(existing, scope) : existing;
        }
        catch (KaiException ex)
        {
            WriteWarning($"Not using the existing file's values: {ex.Message}");
            return InstallConfigDefaults.For(scope);
        }
    }

    /// <summary>Applies every bound parameter; <paramref name="given"/> gets their field keys (not asked again with -Interactive).</summary>
    private InstallConfig Bind(InstallConfig config, out ISet<string> given)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        InstallConfig Set(InstallConfigField field, object? value)
        {
            keys.Add(field.Key);
            return field.SetValue(config, value);
        }

        if (IsBound(nameof(InstallDirectory))) config = Set(InstallConfigFields.InstallDirectory, ResolvePath(InstallDirectory));
        if (IsBound(nameof(DataDirectory))) config = Set(InstallConfigFields.DataDirectory, ResolvePath(DataDirectory));
        if (IsBound(nameof(ServiceUser))) config = Set(InstallConfigFields.ServiceUser, ServiceUser!.Trim());
        if (IsBound(nameof(Platform))) config = Set(InstallConfigFields.Platform, Choice<ServicePlatform>(Platform));
        if (IsBound(nameof(TelegramBotToken))) config = Set(InstallConfigFields.TelegramBotToken, Trimmed(TelegramBotToken));
        if (IsBound(nameof(AllowedUserId))) config = Set(InstallConfigFields.AllowedUserIds, (AllowedUserId ?? Array.Empty<long>()).Distinct().ToArray());
        if (IsBound(nameof(Transport))) config = Set(InstallConfigFields.Transport, Choice<TelegramTransport>(Transport));
        if (IsBound(nameof(WebhookUrl))) config = Set(InstallConfigFields.WebhookUrl, Empty(WebhookUrl));
        if (IsBound(nameof(WebhookSecret))) config = Set(InstallConfigFields.WebhookSecret, Trimmed(WebhookSecret));
        if (IsBound(nameof(ClaudeModel))) config = Set(InstallConfigFields.ClaudeModel, Choice<ClaudeModel>(ClaudeModel));
        if (IsBound(nameof(ClaudeTimeoutSec))) config = Set(InstallConfigFields.ClaudeTimeoutSeconds, ClaudeTimeoutSec);
        if (IsBound(nameof(ClaudeBudgetUsd))) config = Set(InstallConfigFields.ClaudeMaxBudgetUsd, ClaudeBudgetUsd);
        if (IsBound(nameof(ApiPort))) config = Set(InstallConfigFields.ApiPort, ApiPort);
        if (IsBound(nameof(ApiSecret))) config = Set(InstallConfigFields.ApiSecret, Trimmed(ApiSecret));
        if (IsBound(nameof(WorkspaceBase))) config = Set(InstallConfigFields.WorkspaceBase, Empty(WorkspaceBase) is { } ws ? ResolvePath(ws) : null);
        if (IsBound(nameof(AllowedWorkspace)))
            config = Set(InstallConfigFields.AllowedWorkspaces, (AllowedWorkspace ?? Array.Empty<string>())
                .Where(p => !string.IsNullOrWhiteSpace(p)).Select(ResolvePath).Distinct(StringComparer.Ordinal).ToArray());
        if (IsBound(nameof(VoiceTranscription))) config = Set(InstallConfigFields.VoiceTranscription, VoiceTranscription.IsPresent);
        if (IsBound(nameof(TextToSpeech))) config = Set(InstallConfigFields.TextToSpeech, TextToSpeech.IsPresent);
        if (IsBound(nameof(ClaudeUser))) config = Set(InstallConfigFields.ClaudeUser, Empty(ClaudeUser));
        if (IsBound(nameof(PerplexityApiKey))) config = Set(InstallConfigFields.PerplexityApiKey, Trimmed(PerplexityApiKey));
        given = keys;
        return config;
    }

    /// <summary>Problems reported with the parameter that sets each field (-ApiPort), as ONE error.</summary>
    private static void ThrowIfInvalid(InstallConfig config, string path, bool usersYamlAvailable)
    {
        var problems = InstallConfigValidator.Validate(config, usersYamlAvailable);
        if (problems.Count == 0) return;
        var named = problems.Select(p =>
        {
            var bracket = p.Field.IndexOf('[');
            var key = bracket < 0 ? p.Field : p.Field[..bracket];
            var suffix = bracket < 0 ? "" : p.Field[bracket..];
            return InstallConfigFields.Find(key) is { } field ? p with { Field = "-" + field.ParameterName + suffix } : p;
        }).ToList();
        throw new ConfigValidationException(InstallConfigFile.InvalidErrorId, KaiErrorKind.InvalidArgument,
            $"Invalid install configuration for '{path}'", named, path);
    }

    private bool IsBound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    /// <summary>ValidateSet has already checked the name; the engine's enums stay out of this class's fields.</summary>
    private static T Choice<T>(string? name) where T : struct, Enum =>
        EnumText.TryParse<T>(name, out var value) ? value : throw new PSArgumentException($"'{name}' is not {EnumText.Expected<T>()}.");

    private string ResolvePath(string? path) =>
        ConfigRules.NormalizePath(GetUnresolvedProviderPathFromPSPath(path!.Trim()));

    private static string? Empty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static Secret? Trimmed(SecureString? value) =>
        value.ToSecret() is { } secret && secret.Reveal().Trim() is { Length: > 0 } text ? new Secret(text) : null;
}
