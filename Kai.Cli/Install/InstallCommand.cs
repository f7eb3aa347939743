using System.CommandLine;

namespace Kai.Cli.Install;

/// <summary>`kai install`: config (install-config area) and apply/status/uninstall/dsc (install-apply area).</summary>
internal static class InstallCommand
{
    public static Command Create()
    {
        var command = new Command("install", "Protected installation of the Kai service: config, apply, status, uninstall.");
        command.Subcommands.Add(InstallApplyCommand.Create());
        command.Subcommands.Add(InstallStatusCommand.Create());
        command.Subcommands.Add(InstallUninstallCommand.Create());
        command.Subcommands.Add(InstallDscCommand.Create());
        return command;
    }
}
