using System.CommandLine;
using Kai.Service.Hosting;

namespace Kai.Cli.Serve;

/// <summary>
/// `kai serve`: the Kai service (what the systemd unit / launchd plist runs). Configuration comes from the
/// installed layout (KAI_DATA_DIR; secrets via KAI_ENV_FILE, $CREDENTIALS_DIRECTORY/env or `sudo -n cat /etc/kai/env`);
/// the options override the variables for development.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (kai.db, logs/, kai.sock); default $KAI_DATA_DIR, else /var/lib/kai." };
        var envFile = new Option<string?>("--env-file") { Description = "Env file with the secrets (development); default $KAI_ENV_FILE, else the systemd credential, else `sudo -n cat /etc/kai/env`." };
        var check = new Option<bool>("--check") { Description = "Validate the configuration and exit (0 when it is good)." };
        var command = new Command("serve", "Run the Kai service: the authenticated API on the data directory's Unix socket and the configured TCP port.")
        {
            dataDir, envFile, check,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ServeOptions
            {
                DataDirectory = parse.GetValue(dataDir),
                EnvFile = parse.GetValue(envFile),
                CheckOnly = parse.GetValue(check),
            };
            // SIGTERM/SIGINT are the host's (graceful stop); this token only ends a run that never started.
            return await KaiServer.RunAsync(options, Console.Error, CancellationToken.None);
        });
        return command;
    }
}
