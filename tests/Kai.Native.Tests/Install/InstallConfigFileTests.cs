using Xunit;
using Kai.Native.Install;
using Kai.Native.Platform;

namespace Kai.Native.Tests.Install;

public sealed class InstallConfigFileTests : IDisposable
{
    private readonly ConfigTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Save_then_Load_round_trips_every_field()
    {
        var path = _dir.File("install.conf");
        var original = ConfigSamples.Full();
        InstallConfigFile.Save(original, path);

        var loaded = InstallConfigFile.Load(path);

        Assert.Equal(InstallConfigFile.Render(original), InstallConfigFile.Render(loaded));
        Assert.Equal(new long[] { 111, 222 }, loaded.AllowedUserIds);
        Assert.Equal("/srv/kai/app", loaded.InstallDirectory);
        Assert.Equal(ServicePlatform.Darwin, loaded.Platform);
        Assert.Equal(TelegramTransport.Webhook, loaded.Transport);
        Assert.Equal(2.5m, loaded.ClaudeMaxBudgetUsd);
        Assert.Equal(ConfigSamples.Token, loaded.TelegramBotToken!.Reveal());
        Assert.Equal("pplx-EXAMPLE-not-a-real-key", loaded.PerplexityApiKey!.Reveal());
        Assert.True(loaded.VoiceEnabled);
        Assert.Equal("claude", loaded.ClaudeUser);
    }

    [Fact]
    public void Saved_file_is_versioned_readable_json_with_mode_0600_and_no_temp_file_left()
    {
        var path = _dir.File("install.conf");
        InstallConfigFile.Save(ConfigSamples.Valid(), path);

        Assert.Equal("0600", UnixFiles.Stat(path).OctalMode);
        Assert.Equal(new[] { "install.conf" }, Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
        var text = File.ReadAllText(path);
        Assert.StartsWith("{\n  \"schemaVersion\": 1,\n  \"installDirectory\": \"/opt/kai\",", text);
        Assert.Contains("\"allowedUserIds\": [\n    111,\n    222\n  ]", text);
        Assert.Contains("\"transport\": \"polling\"", text);
        Assert.Contains("\"claudeModel\": \"sonnet\"", text);
        Assert.Contains("\"scope\": \"allUsers\"", text);
        Assert.Contains("\"webhookUrl\": null", text);
    }

    [Fact]
    public void Save_replaces_an_existing_file_atomically_and_keeps_0600()
    {
        var path = _dir.Write("install.conf", "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        InstallConfigFile.Save(ConfigSamples.Valid() with { ApiPort = 9999 }, path);
        Assert.Equal("0600", UnixFiles.Stat(path).OctalMode);
        Assert.Equal(9999, InstallConfigFile.Load(path).ApiPort);
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Save_generates_a_random_api_secret_when_none_is_set()
    {
        var first = _dir.File("a.conf");
        var second = _dir.File("b.conf");
        InstallConfigFile.Save(ConfigSamples.Valid() with { ApiSecret = null }, first);
        InstallConfigFile.Save(ConfigSamples.Valid() with { ApiSecret = null }, second);
        var a = InstallConfigFile.Load(first).ApiSecret!;
        var b = InstallConfigFile.Load(second).ApiSecret!;
        Assert.True(a.Length >= 40);
        Assert.NotEqual(a.Reveal(), b.Reveal());
    }

    [ConfigRootFact]
    public void Save_under_sudo_gives_the_file_to_the_invoking_user()
    {
        var path = _dir.File("install.conf");
        var environment = new Dictionary<string, string> { ["SUDO_UID"] = "65534", ["SUDO_GID"] = "65534" };
        InstallConfigFile.Save(ConfigSamples.Valid(), path, name => environment.GetValueOrDefault(name));
        var status = UnixFiles.Stat(path);
        Assert.Equal(65534u, status.Uid);
        Assert.Equal(65534u, status.Gid);
        Assert.Equal("0600", status.OctalMode);
    }

    [ConfigRootFact]
    public void Save_as_root_without_sudo_keeps_the_owner_of_an_existing_file()
    {
        var path = _dir.Write("install.conf", "{}");
        UnixFiles.Chown(path, 65534, 65534);
        InstallConfigFile.Save(ConfigSamples.Valid(), path, _ => null);
        Assert.Equal(65534u, UnixFiles.Stat(path).Uid);
    }

    [Fact]
    public void Save_refuses_an_invalid_config_and_writes_nothing()
    {
        var path = _dir.File("install.conf");
        var error = Assert.Throws<ConfigValidationException>(() =>
            InstallConfigFile.Save(ConfigSamples.Valid() with { ApiPort = 0, ServiceUser = "Bad User" }, path));
        Assert.Equal(InstallConfigFile.InvalidErrorId, error.ErrorId);
        Assert.Equal(path, error.Target);
        Assert.Equal(new[] { "serviceUser", "apiPort" }, error.Problems.Select(p => p.Field));
        Assert.Contains("apiPort: must be from 1 to 65535, not 0.", error.Message);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Save_into_a_missing_directory_is_a_clear_error()
    {
        var path = Path.Combine(_dir.Path, "missing", "install.conf");
        var error = Assert.Throws<KaiException>(() => InstallConfigFile.Save(ConfigSamples.Valid(), path));
        Assert.Equal(InstallConfigFile.WriteErrorId, error.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, error.Kind);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void Load_of_a_missing_file_is_not_found()
    {
        var path = _dir.File("nope.conf");
        var error = Assert.Throws<KaiException>(() => InstallConfigFile.Load(path));
        Assert.Equal(InstallConfigFile.NotFoundErrorId, error.ErrorId);
        Assert.Equal(KaiErrorKind.ObjectNotFound, error.Kind);
        Assert.Equal(path, error.Target);
        Assert.NotNull(error.RecommendedAction);
    }

    [Fact]
    public void Load_refuses_a_file_others_can_write()
    {
        var path = _dir.File("install.conf");
        InstallConfigFile.Save(ConfigSamples.Valid(), path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.GroupRead);
        var error = Assert.Throws<KaiException>(() => InstallConfigFile.Load(path));
        Assert.Equal(InstallConfigFile.InsecureErrorId, error.ErrorId);
        Assert.Equal(KaiErrorKind.SecurityError, error.Kind);
        Assert.Contains("0660", error.Message);
    }

    [Fact]
    public void A_file_others_can_read_loads_with_a_permission_warning()
    {
        var path = _dir.File("install.conf");
        InstallConfigFile.Save(ConfigSamples.Valid(), path);
        Assert.Null(InstallConfigFile.PermissionWarning(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        InstallConfigFile.Load(path);
        var warning = InstallConfigFile.PermissionWarning(path);
        Assert.NotNull(warning);
        Assert.Contains("0604", warning);
        Assert.Contains("chmod 600", warning);
    }

    [Fact]
    public void A_users_yaml_beside_the_file_makes_allowed_user_ids_optional()
    {
        var path = _dir.File("install.conf");
        var json = InstallConfigFile.Render(ConfigSamples.Valid() with { AllowedUserIds = Array.Empty<long>() });
        _dir.Write("install.conf", json);
        var error = Assert.Throws<ConfigValidationException>(() => InstallConfigFile.Load(path));
        Assert.Equal("allowedUserIds", Assert.Single(error.Problems).Field);

        _dir.Write("users.yaml", "users:\n  - telegram_id: 111\n");
        Assert.Empty(InstallConfigFile.Load(path).AllowedUserIds);
    }

    [Fact]
    public void Missing_optional_fields_take_their_defaults()
    {
        var config = InstallConfigFile.Parse($$"""
            { "schemaVersion": 1, "telegramBotToken": "{{ConfigSamples.Token}}", "allowedUserIds": [111], "apiSecret": "{{ConfigSamples.ApiSecret}}" }
            """, "install.conf");
        Assert.Equal("/opt/kai", config.InstallDirectory);
        Assert.Equal(ClaudeModel.Sonnet, config.ClaudeModel);
        Assert.Equal(120, config.ClaudeTimeoutSeconds);
        Assert.Equal(10.0m, config.ClaudeMaxBudgetUsd);
        Assert.Equal(8080, config.ApiPort);
    }

    [Fact]
    public void Comments_trailing_commas_trailing_slashes_and_a_bom_are_accepted()
    {
        var json = "\uFEFF" + $$"""
            {
              // hand-edited
              "schemaVersion": 1,
              "installDirectory": "/srv/kai//app/",
              "telegramBotToken": "{{ConfigSamples.Token}}",
              "allowedUserIds": [111, 111, 222,],
              "apiSecret": "{{ConfigSamples.ApiSecret}}",
              "transport": "POLLING",
            }
            """;
        var config = InstallConfigFile.Parse(json, "install.conf");
        Assert.Equal("/srv/kai/app", config.InstallDirectory);
        Assert.Equal(new long[] { 111, 222 }, config.AllowedUserIds);
    }
}
