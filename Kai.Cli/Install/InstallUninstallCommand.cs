using System.CommandLine;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>`kai install uninstall`: stop and remove the service, sudoers and installed files; data and secrets stay unless asked.</summary>
internal static class InstallUninstallCommand
{
    public static Command Create()
    {
        var config = InstallCli.ConfigOption();
        var root = InstallRunCli.RootOption();
        var scope = InstallRunCli.ScopeOption();
        var removeData = new Option<bool>("--remove-data") { Description = "Also delete the data directory (kai.db, logs, history, memory) and home/." };
        var removeSecrets = new Option<bool>("--remove-secrets") { Description = "Also delete the env file, the yaml files and TOTP state." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do it (without --yes only --dry-run is allowed)." };
        var dryRun = InstallRunCli.DryRunOption();
        var json = InstallRunCli.JsonOption();
        var verbose = InstallRunCli.VerboseOption();
        var command = new Command("uninstall", "Remove the Kai service and installed files (keeps data and secrets unless --remove-data / --remove-secrets).")
        {
            config, root, scope, removeData, removeSecrets, yes, dryRun, json, verbose,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            return InstallRunCli.Guard(asJson, "uninstall", () =>
            {
                var isDryRun = parse.GetValue(dryRun);
                if (!isDryRun && !parse.GetValue(yes))
                    throw new Kai.Native.KaiException("ConfirmationRequired", Kai.Native.KaiErrorKind.InvalidArgument,
                        "Uninstalling removes the service and installed files: add --yes to confirm, or --dry-run to preview.", "--yes");
                var (cfg, options) = InstallRunCli.Load(parse.GetValue(config)!, parse.GetValue(root), null, parse.GetValue(scope));
                options = options with { RemoveData = parse.GetValue(removeData), RemoveSecrets = parse.GetValue(removeSecrets) };
                return InstallRunCli.RunPlan("uninstall", UninstallPlanner.Create(cfg, options), isDryRun, asJson, parse.GetValue(verbose));
            });
        });
        return command;
    }
}
