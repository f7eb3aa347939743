namespace Kai.Native.Install;

/// <summary>
/// The interactive config (<c>kai install config</c>, <c>New-KaiInstallConfig -Interactive</c>): walks the
/// seed's fields in the seed's order, offers the current values (an existing install.conf's) as defaults,
/// keeps existing secrets on Enter without ever showing them, validates each answer and asks again with
/// the reason until it is acceptable.
/// </summary>
public sealed class InstallConfigQuestionnaire
{
    public const string CancelledErrorId = "InstallConfigCancelled";
    public const int MaxAttempts = 10;

    private readonly IInstallPrompter _prompter;

    public InstallConfigQuestionnaire(IInstallPrompter prompter)
    {
        _prompter = prompter;
    }

    /// <summary>Fields not to ask (given as parameters or options): their current values stand.</summary>
    public ISet<string> Fixed { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>A users.yaml will be installed, so allowed user IDs may stay empty.</summary>
    public bool UsersYamlAvailable { get; init; }

    /// <summary>What '~' expands to in path answers (default: the invoking user's home).</summary>
    public string? HomeDirectory { get; init; }

    /// <summary>Asks every question; returns the answered config (API secret generated when none was given), validated.</summary>
    public InstallConfig Run(InstallConfig current)
    {
        var config = current;
        string? section = null;
        if (UsersYamlAvailable)
            _prompter.Note("users.yaml found: allowed user IDs are optional (the users listed there are allowed).");
        foreach (var field in InstallConfigFields.All)
        {
            if (!field.IsAsked || Fixed.Contains(field.Key) || !Applies(field, config)) continue;
            if (field.Section != section)
            {
                section = field.Section;
                _prompter.BeginSection(section);
            }
            config = Ask(field, config);
        }
        config = InstallConfigFile.Complete(config);
        InstallConfigValidator.ThrowIfInvalid(config, "The answered configuration", null, UsersYamlAvailable);
        return config;
    }

    /// <summary>Webhook URL and secret only matter for the webhook transport (their values are kept otherwise).</summary>
    private static bool Applies(InstallConfigField field, InstallConfig config) =>
        (field != InstallConfigFields.WebhookUrl && field != InstallConfigFields.WebhookSecret) || config.Transport == TelegramTransport.Webhook;

    private InstallConfig Ask(InstallConfigField field, InstallConfig config)
    {
        var question = Question(field, config);
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > MaxAttempts)
                throw new KaiException(CancelledErrorId, KaiErrorKind.InvalidArgument,
                    $"No acceptable answer for '{field.Label}' after {MaxAttempts} attempts; nothing was written.", field.Key);
            string? problem;
            InstallConfig candidate;
            try
            {
                candidate = Answer(question, config);
                problem = InstallConfigValidator.ValidateField(field, candidate, UsersYamlAvailable).FirstOrDefault() is { } first
                    ? Describe(first, field)
                    : null;
            }
            catch (FormatException ex)
            {
                problem = ex.Message;
                candidate = config;
            }
            if (problem is null) return candidate;
            _prompter.ShowProblem(question, problem);
        }
    }

    private static string Describe(ConfigProblem problem, InstallConfigField field) =>
        problem.Field == field.Key ? problem.Message : $"{problem.Field}: {problem.Message}";

    /// <summary>Reads one answer and applies it; throws FormatException for an unparseable one.</summary>
    private InstallConfig Answer(InstallQuestion question, InstallConfig config)
    {
        var field = question.Field;
        if (field.IsSecret)
        {
            var secret = _prompter.AskSecret(question, out var ended);
            if (ended) throw EndOfInput();
            if (secret is null || secret.IsEmpty)
                return question.SecretDefault == "generate" ? field.SetValue(config, Secret.Generate()) : config; // Enter: keep current / none
            if (secret.Reveal().Trim() == InstallQuestion.ClearAnswer && question.CanClear) return field.SetValue(config, null);
            return field.SetValue(config, new Secret(secret.Reveal().Trim()));
        }

        var raw = field.Kind switch
        {
            InstallFieldKind.Choice => _prompter.AskChoice(question),
            InstallFieldKind.Boolean => _prompter.AskYesNo(question),
            InstallFieldKind.IdList or InstallFieldKind.PathList => _prompter.AskList(question),
            _ => _prompter.AskText(question),
        } ?? throw EndOfInput();
        var answer = raw.Trim();
        if (answer.Length == 0)
        {
            // Enter accepts the default; a required field without one is asked again.
            if (question.Default is { Length: > 0 } fallback) return field.SetValue(config, field.ParseText(fallback, HomeDirectory));
            return field.SetValue(config, field.Kind is InstallFieldKind.IdList or InstallFieldKind.PathList ? field.ParseText("", HomeDirectory) : null);
        }
        if (answer == InstallQuestion.ClearAnswer && question.CanClear)
            return field.SetValue(config, field.ParseText("", HomeDirectory));
        return field.SetValue(config, field.ParseText(answer, HomeDirectory));
    }

    private static InstallQuestion Question(InstallConfigField field, InstallConfig config)
    {
        var hasValue = field.HasValue(config);
        var canClear = field.IsOptional && hasValue;
        var help = field.Description + (canClear ? $" ('{InstallQuestion.ClearAnswer}' removes it)" : "");
        if (field.IsSecret)
        {
            var secretDefault = hasValue ? "keep current"
                : field == InstallConfigFields.ApiSecret ? "generate"
                : field.IsOptional ? "none"
                : null;
            var prompt = secretDefault is null ? field.Label : $"{field.Label} [{secretDefault}]";
            return new InstallQuestion(field, prompt, help, null) { HasCurrentSecret = hasValue, CanClear = canClear, SecretDefault = secretDefault };
        }
        var current = field.FormatValue(config);
        var shown = field.Kind == InstallFieldKind.Boolean ? (current == "true" ? "yes" : "no") : current;
        var label = field.Kind switch
        {
            InstallFieldKind.Choice => $"{field.Label} ({string.Join("/", field.Choices)})",
            InstallFieldKind.Boolean => $"{field.Label} (yes/no)",
            _ => field.Label,
        };
        return new InstallQuestion(field, string.IsNullOrEmpty(shown) ? label : $"{label} [{shown}]", help, string.IsNullOrEmpty(current) ? null : current)
        {
            CanClear = canClear,
        };
    }

    private static KaiException EndOfInput() =>
        new(CancelledErrorId, KaiErrorKind.OperationStopped, "Input ended before every question was answered; nothing was written.");
}
