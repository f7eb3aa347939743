using System.CommandLine;

namespace Kai.Cli.Install;

/// <summary>`kai install`: the protected installation for shells without pwsh. One file per subcommand.</summary>
internal static class InstallCommand
{
    public static Command Create()
    {
        var command = new Command("install", "Protected installation: write install.conf (config), apply it as root (apply), report the state (status).");
        command.Subcommands.Add(InstallConfigCommand.Create());
        command.Subcommands.Add(InstallApplyCommand.Create());
        command.Subcommands.Add(InstallStatusCommand.Create());
        command.Subcommands.Add(InstallUninstallCommand.Create());
        command.Subcommands.Add(InstallDscCommand.Create());
        return command;
    }
}
