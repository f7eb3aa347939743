namespace Kai.PowerShell.Tests;

/// <summary>A staged install (Install-Kai -Root) followed by `kai serve` on its data directory and env file, as the service user.</summary>
[Collection(SessionsCollection.Name)]
public sealed class ServiceStagedInstallTests
{
    [Fact]
    public async Task Kai_serve_runs_on_a_staged_install_as_the_service_user_with_the_env_file_as_a_systemd_credential()
    {
        using var scenario = new InstallScenario();
        var port = ServiceFixture.FreePort();
        File.WriteAllText(scenario.ConfigPath, File.ReadAllText(scenario.ConfigPath).Replace("\"apiPort\": 8080", $"\"apiPort\": {port}"));
        File.SetUnixFileMode(scenario.Directory, (UnixFileMode)0b111_101_101);
        using (var installer = new Hosting.KaiShellHost())
        {
            var install = installer.Run("Install-Kai -ConfigPath $args[0] -Root $args[1] -Confirm:$false", scenario.ConfigPath, scenario.Stage);
            Assert.True(install.Errors.Count == 0, string.Join("\n", install.Errors));
        }
        var data = scenario["var/lib/kai"];
        var envFile = scenario["etc/kai/env"];
        Assert.Equal("root:root 600", InstallScenario.Describe(envFile));

        // What systemd's LoadCredential=env:/etc/kai/env does: a private copy only the service can read.
        var uid = InstallScenario.Run("id", "-u", scenario.UserName).Trim();
        var gid = InstallScenario.Run("id", "-g", scenario.UserName).Trim();
        var credentials = Path.Combine(scenario.Directory, "credentials");
        Directory.CreateDirectory(credentials);
        File.Copy(envFile, Path.Combine(credentials, "env"));
        InstallScenario.Run("chown", "-R", $"{uid}:{gid}", credentials);
        File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        await using var service = new ServiceFixture(data, envFile, port)
        {
            RunAs = new[] { "setpriv", $"--reuid={uid}", $"--regid={gid}", "--init-groups", "--" },
        };
        service.Environment["KAI_ENV_FILE"] = null;
        service.Environment["CREDENTIALS_DIRECTORY"] = credentials;
        await service.StartAsync();
        Assert.Equal($"{scenario.UserName}:{InstallScenario.Run("id", "-gn", scenario.UserName).Trim()} 660", InstallScenario.Describe(service.SocketPath));

        using var shell = new Hosting.KaiShellHost();
        try
        {
            var result = shell.Run("""
                Connect-KaiService -SocketPath $args[0]
                (Get-KaiAuditLog -Kind config.loaded).Message
                $credential = [pscredential]::new('kai', [securestring]::new())
                foreach ($c in $args[2].ToCharArray()) { $credential.Password.AppendChar($c) }
                Connect-KaiService -Uri $args[1] -Credential $credential -PassThru
                """, service.SocketPath, service.Uri, InstallScenario.ApiSecret);
            Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors) + service.StandardError);
            Assert.StartsWith("secrets from systemd credential env", result.Output[0].ToString());
            Assert.Equal("tcp", result.Output[1].Text("Transport"));
            Assert.DoesNotContain(InstallScenario.ApiSecret, result.AllText);
        }
        finally
        {
            shell.Run("Disconnect-KaiService");
        }
        Assert.Equal(0, await service.StopAsync());
        Assert.True(File.Exists(Path.Combine(data, "logs", "kai.log")));
        Assert.StartsWith(scenario.UserName + ":", InstallScenario.Describe(Path.Combine(data, "kai.db")));
    }
}
