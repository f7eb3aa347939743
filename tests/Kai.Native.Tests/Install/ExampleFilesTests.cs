using Xunit;
using Kai.Native.Install;

namespace Kai.Native.Tests.Install;

/// <summary>The shipped examples load (demo.sh previews examples/install.conf).</summary>
public sealed class ExampleFilesTests
{
    private static string Examples([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "examples"));

    [Fact]
    public void Example_install_conf_is_valid_and_as_documented()
    {
        var path = Path.Combine(Examples(), "install.conf");
        var config = InstallConfigFile.Parse(File.ReadAllText(path), path);
        Assert.Equal(new long[] { 111, 222 }, config.AllowedUserIds);
        Assert.Equal("kai", config.ServiceUser);
        Assert.Equal(8080, config.ApiPort);
        Assert.Equal("123456:EXAMPLE-not-a-real-token", config.TelegramBotToken!.Reveal());
        // It is exactly what Save would write.
        Assert.Equal(InstallConfigFile.Render(config), File.ReadAllText(path));
    }

    [Fact]
    public void Example_users_yaml_is_valid()
    {
        var users = UsersYaml.Load(Path.Combine(Examples(), "users.yaml"));
        Assert.Equal(new[] { "alice", "bob" }, users.Select(u => u.OsUser));
    }

    [Fact]
    public void Example_workspaces_and_services_yaml_are_valid()
    {
        var workspaces = WorkspacesYaml.Load(Path.Combine(Examples(), "workspaces.yaml"));
        Assert.Equal(new[] { "/home/alice/projects/app", "/srv/shared/docs" }, workspaces.Select(w => w.Path));
        var services = ServicesYaml.Load(Path.Combine(Examples(), "services.yaml"));
        Assert.Equal(new[] { "perplexity", "weather" }, services.Select(s => s.Name));
        Assert.Equal(EnvKeys.PerplexityApiKey, services[0].Auth.KeyEnv);
    }
}
