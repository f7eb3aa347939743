using Xunit;
using Kai.Native.Install;

namespace Kai.Native.Tests.Install;

/// <summary>A temp directory removed (with everything in it) when the test ends.</summary>
internal sealed class ConfigTestDirectory : IDisposable
{
    public ConfigTestDirectory()
    {
        Path = Directory.CreateTempSubdirectory("kai-config-test-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string content)
    {
        var file = File(name);
        System.IO.File.WriteAllText(file, content);
        System.IO.File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Configs used across the install-config tests (fake, obviously not real secrets).</summary>
internal static class ConfigSamples
{
    public const string Token = "123456:EXAMPLE-not-a-real-token";
    public const string ApiSecret = "EXAMPLE-api-secret-0123456789";

    public static InstallConfig Valid() => new()
    {
        Platform = ServicePlatform.Linux,
        TelegramBotToken = new Secret(Token),
        AllowedUserIds = new long[] { 111, 222 },
        ApiSecret = new Secret(ApiSecret),
    };

    /// <summary>Every field away from its default.</summary>
    public static InstallConfig Full() => Valid() with
    {
        InstallDirectory = "/srv/kai/app",
        DataDirectory = "/srv/kai/data",
        ServiceUser = "kaisvc",
        Platform = ServicePlatform.Darwin,
        Transport = TelegramTransport.Webhook,
        WebhookUrl = "https://kai.example.com/webhook",
        WebhookSecret = new Secret("EXAMPLE_webhook-secret"),
        ClaudeModel = ClaudeModel.Opus,
        ClaudeTimeoutSeconds = 300,
        ClaudeMaxBudgetUsd = 2.5m,
        ApiPort = 9090,
        WorkspaceBase = "/home/alice/Projects",
        AllowedWorkspaces = new[] { "/home/alice/Projects/app", "/srv/work" },
        VoiceEnabled = true,
        TtsEnabled = true,
        ClaudeUser = "claude",
        PerplexityApiKey = new Secret("pplx-EXAMPLE-not-a-real-key"),
    };

    /// <summary>The secret values above: none may ever appear in a message or output.</summary>
    public static readonly string[] SecretValues =
    {
        Token, ApiSecret, "EXAMPLE_webhook-secret", "pplx-EXAMPLE-not-a-real-key",
    };
}

/// <summary>A fact that needs root (chown to other users); CI runs the tests as root.</summary>
internal sealed class ConfigRootFactAttribute : FactAttribute
{
    public ConfigRootFactAttribute()
    {
        if (!Kai.Native.Platform.UnixAccounts.IsRoot) Skip = "needs root (chown)";
    }
}
