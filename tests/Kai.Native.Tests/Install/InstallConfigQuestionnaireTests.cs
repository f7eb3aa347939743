using Xunit;
using Kai.Native.Install;

namespace Kai.Native.Tests.Install;

/// <summary>A prompter that answers from a script and records what it was asked and shown.</summary>
internal sealed class ScriptedPrompter : IInstallPrompter
{
    private readonly Queue<string?> _answers;

    public ScriptedPrompter(params string?[] answers)
    {
        _answers = new Queue<string?>(answers);
    }

    public List<string> Asked { get; } = new();
    public List<string> Transcript { get; } = new();
    public List<(string Field, string Message)> Problems { get; } = new();
    public int Remaining => _answers.Count;

    public void BeginSection(string title) => Transcript.Add("## " + title);
    public void Note(string message) => Transcript.Add("NOTE " + message);

    private string? Next(InstallQuestion question, string how)
    {
        Asked.Add(question.Field.Key);
        Transcript.Add($"{how} {question.Prompt}");
        return _answers.Count == 0 ? null : _answers.Dequeue();
    }

    public string? AskText(InstallQuestion question) => Next(question, "TEXT");
    public string? AskChoice(InstallQuestion question) => Next(question, "CHOICE");
    public string? AskYesNo(InstallQuestion question) => Next(question, "YESNO");
    public string? AskList(InstallQuestion question) => Next(question, "LIST");

    public Secret? AskSecret(InstallQuestion question, out bool endOfInput)
    {
        endOfInput = _answers.Count == 0;
        var answer = Next(question, "SECRET");
        return answer is null ? null : new Secret(answer);
    }

    public void ShowProblem(InstallQuestion question, string message)
    {
        Problems.Add((question.Field.Key, message));
        Transcript.Add("PROBLEM " + message);
    }
}

public sealed class InstallConfigQuestionnaireTests
{
    /// <summary>Enter for everything except the required token and user IDs.</summary>
    private static readonly string?[] FreshAnswers =
    {
        "", "", "", "",                               // install, data, service user, platform
        ConfigSamples.Token, "111, 222", "",          // token, ids, transport (polling: no webhook questions)
        "", "", "",                                   // model, timeout, budget
        "", "",                                       // port, secret (generated)
        "", "",                                       // workspace base, allowed workspaces
        "", "", "", "",                               // voice, tts, claude user, perplexity
    };

    [Fact]
    public void Asks_the_seed_fields_in_the_seed_order_with_sections()
    {
        var prompter = new ScriptedPrompter(FreshAnswers);
        var config = new InstallConfigQuestionnaire(prompter).Run(new InstallConfig { Platform = ServicePlatform.Linux });

        Assert.Equal(new[]
        {
            "installDirectory", "dataDirectory", "serviceUser", "platform",
            "telegramBotToken", "allowedUserIds", "transport",
            "claudeModel", "claudeTimeoutSeconds", "claudeMaxBudgetUsd",
            "apiPort", "apiSecret", "workspaceBase", "allowedWorkspaces",
            "voiceTranscription", "textToSpeech", "claudeUser", "perplexityApiKey",
        }, prompter.Asked);
        Assert.Equal(new[] { "## Installation paths", "## Telegram", "## Claude", "## Webhook server", "## Workspaces", "## Optional features" },
            prompter.Transcript.Where(t => t.StartsWith("## ", StringComparison.Ordinal)));
        Assert.Equal(0, prompter.Remaining);
        Assert.Empty(prompter.Problems);

        Assert.Equal("/opt/kai", config.InstallDirectory);
        Assert.Equal("kai", config.ServiceUser);
        Assert.Equal(new long[] { 111, 222 }, config.AllowedUserIds);
        Assert.Equal(ClaudeModel.Sonnet, config.ClaudeModel);
        Assert.Equal(8080, config.ApiPort);
        Assert.NotNull(config.ApiSecret);
        Assert.True(config.ApiSecret!.Length >= 40, "a generated API secret");
        Assert.Contains("TEXT Install location [/opt/kai]", prompter.Transcript);
        Assert.Contains("CHOICE Model (haiku/sonnet/opus) [sonnet]", prompter.Transcript);
        Assert.Contains("SECRET Secret [generate]", prompter.Transcript);
        Assert.Contains("SECRET Bot token", prompter.Transcript);
        Assert.Contains("YESNO Voice transcription (yes/no) [no]", prompter.Transcript);
    }

    [Fact]
    public void Bad_answers_are_explained_and_asked_again()
    {
        var answers = new List<string?>
        {
            "relative/path", "/usr", "/srv/kai",            // install location: two bad answers
            "/srv/kai/data", "/srv/kai-data",               // data dir inside install: rejected
            "Bad User", "kai",                              // service user
            "windows", "linux",                             // platform
            "", "not-a-token", ConfigSamples.Token,          // token is required
            "abc", "-5", "111",                             // ids
            "webhook",                                      // transport → webhook questions appear
            "", "http://kai.example.com/hook", "https://kai.example.com/hook",
            "bad secret with spaces", "",                  // webhook secret: optional
            "gpt", "opus", "0", "60", "lots", "2.5",         // model, timeout, budget
            "70000", "9000", "short", "",                   // port, api secret (short, then generate)
            "Projects", "/srv/projects", "/srv/a, b", "/srv/a",
            "maybe", "y", "n",
            "kai", "claude",                                // claude user must differ from the service user
            "has space",  "",                               // perplexity key
        };
        var prompter = new ScriptedPrompter(answers.ToArray());
        var config = new InstallConfigQuestionnaire(prompter).Run(new InstallConfig());

        Assert.Equal(0, prompter.Remaining);
        Assert.Equal(new[]
        {
            "installDirectory", "installDirectory", "dataDirectory", "serviceUser", "platform",
            "telegramBotToken", "telegramBotToken", "allowedUserIds", "allowedUserIds",
            "webhookUrl", "webhookUrl", "webhookSecret", "claudeModel", "claudeTimeoutSeconds", "claudeMaxBudgetUsd",
            "apiPort", "apiSecret", "workspaceBase", "allowedWorkspaces", "voiceTranscription", "claudeUser", "perplexityApiKey",
        }, prompter.Problems.Select(p => p.Field));
        Assert.Contains(prompter.Problems, p => p.Message.Contains("must not contain each other", StringComparison.Ordinal));
        Assert.Contains(prompter.Problems, p => p.Message == "'abc' is not a numeric Telegram user ID.");
        Assert.Contains(prompter.Problems, p => p.Message.StartsWith("must differ from the service user", StringComparison.Ordinal));
        foreach (var (_, message) in prompter.Problems)
        {
            Assert.DoesNotContain("not-a-token", message);
            Assert.DoesNotContain("bad secret", message);
            Assert.DoesNotContain("has space", message);
        }

        Assert.Equal("/srv/kai", config.InstallDirectory);
        Assert.Equal("/srv/kai-data", config.DataDirectory);
        Assert.Equal(TelegramTransport.Webhook, config.Transport);
        Assert.Equal("https://kai.example.com/hook", config.WebhookUrl);
        Assert.Null(config.WebhookSecret);
        Assert.Equal(ClaudeModel.Opus, config.ClaudeModel);
        Assert.Equal(60, config.ClaudeTimeoutSeconds);
        Assert.Equal(2.5m, config.ClaudeMaxBudgetUsd);
        Assert.Equal(9000, config.ApiPort);
        Assert.Equal(new[] { "/srv/a" }, config.AllowedWorkspaces);
        Assert.True(config.VoiceEnabled);
        Assert.False(config.TtsEnabled);
        Assert.Equal("claude", config.ClaudeUser);
        Assert.Null(config.PerplexityApiKey);
    }

    [Fact]
    public void An_existing_config_gives_the_defaults_and_keeps_secrets_on_enter()
    {
        var existing = ConfigSamples.Full();
        var answers = Enumerable.Repeat<string?>("", 40).ToArray();
        var prompter = new ScriptedPrompter(answers);
        var config = new InstallConfigQuestionnaire(prompter).Run(existing);

        Assert.Equal(InstallConfigFile.Render(existing), InstallConfigFile.Render(config));
        Assert.Contains("SECRET Bot token [keep current]", prompter.Transcript);
        Assert.Contains("SECRET Secret [keep current]", prompter.Transcript);
        Assert.Contains("TEXT Install location [/srv/kai/app]", prompter.Transcript);
        Assert.Contains("LIST Allowed user IDs [111,222]", prompter.Transcript);
        Assert.Contains("YESNO Voice transcription (yes/no) [yes]", prompter.Transcript);
        foreach (var line in prompter.Transcript)
            foreach (var secret in ConfigSamples.SecretValues)
                Assert.DoesNotContain(secret, line);
    }

    [Fact]
    public void A_dash_clears_an_optional_value()
    {
        var existing = ConfigSamples.Full() with { Transport = TelegramTransport.Polling };
        var answers = new[]
        {
            "", "", "", "", "", "", "", "", "", "", "", "",
            "-", "-",          // workspace base, allowed workspaces
            "", "", "-", "-",  // voice, tts, claude user, perplexity key
        };
        var prompter = new ScriptedPrompter(answers);
        var config = new InstallConfigQuestionnaire(prompter).Run(existing);
        Assert.Null(config.WorkspaceBase);
        Assert.Empty(config.AllowedWorkspaces);
        Assert.Null(config.ClaudeUser);
        Assert.Null(config.PerplexityApiKey);
        Assert.NotNull(config.TelegramBotToken);
        // Webhook fields were not asked under polling, and are kept.
        Assert.Equal("https://kai.example.com/webhook", config.WebhookUrl);
    }

    [Fact]
    public void Fixed_fields_are_not_asked()
    {
        var prompter = new ScriptedPrompter(Enumerable.Repeat<string?>("", 40).ToArray());
        var questionnaire = new InstallConfigQuestionnaire(prompter)
        {
            Fixed = new HashSet<string> { "telegramBotToken", "allowedUserIds", "apiPort" },
        };
        questionnaire.Run(ConfigSamples.Valid());
        Assert.DoesNotContain("telegramBotToken", prompter.Asked);
        Assert.DoesNotContain("allowedUserIds", prompter.Asked);
        Assert.DoesNotContain("apiPort", prompter.Asked);
        Assert.Contains("claudeModel", prompter.Asked);
    }

    [Fact]
    public void Users_yaml_makes_the_ids_optional_and_is_mentioned()
    {
        var answers = (string?[])FreshAnswers.Clone();
        answers[5] = "";
        var prompter = new ScriptedPrompter(answers);
        var config = new InstallConfigQuestionnaire(prompter) { UsersYamlAvailable = true }.Run(new InstallConfig());
        Assert.Empty(config.AllowedUserIds);
        Assert.Contains(prompter.Transcript, t => t.StartsWith("NOTE users.yaml found", StringComparison.Ordinal));
    }

    [Fact]
    public void End_of_input_stops_with_a_clear_error()
    {
        var prompter = new ScriptedPrompter("", "", "");
        var error = Assert.Throws<KaiException>(() => new InstallConfigQuestionnaire(prompter).Run(new InstallConfig()));
        Assert.Equal(InstallConfigQuestionnaire.CancelledErrorId, error.ErrorId);
        Assert.Contains("nothing was written", error.Message);
    }

    [Fact]
    public void Endless_bad_answers_give_up()
    {
        var prompter = new ScriptedPrompter(Enumerable.Repeat<string?>("relative", 20).ToArray());
        var error = Assert.Throws<KaiException>(() => new InstallConfigQuestionnaire(prompter).Run(new InstallConfig()));
        Assert.Equal(InstallConfigQuestionnaire.CancelledErrorId, error.ErrorId);
        Assert.Equal(InstallConfigQuestionnaire.MaxAttempts, prompter.Problems.Count);
    }
}
