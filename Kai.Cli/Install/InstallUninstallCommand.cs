using System.CommandLine;
using Kai.Native;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>`kai install uninstall`: stop and remove the service, sudoers and installed files; data and secrets stay unless asked.</summary>
internal static class InstallUninstallCommand
{
    public static Command Create()
    {
        var options = new InstallPlanOptions(withSource: false);
        var removeData = new Option<bool>("--remove-data") { Description = "Also delete the data directory (kai.db, logs, history, memory) and home/." };
        var removeSecrets = new Option<bool>("--remove-secrets") { Description = "Also delete the env file, the yaml files and TOTP state." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do it (without --yes only --dry-run is allowed)." };
        return options.Command("uninstall", "Remove the Kai service and installed files (keeps data and secrets unless --remove-data / --remove-secrets).",
            [removeData, removeSecrets, yes], (parse, dryRun) =>
            {
                if (!dryRun && !parse.GetValue(yes))
                    throw new KaiException("ConfirmationRequired", KaiErrorKind.InvalidArgument,
                        "Uninstalling removes the service and installed files: add --yes to confirm, or --dry-run to preview.", "--yes");
                var (config, install) = options.Load(parse);
                return UninstallPlanner.Create(config, install with { RemoveData = parse.GetValue(removeData), RemoveSecrets = parse.GetValue(removeSecrets) });
            });
    }
}
