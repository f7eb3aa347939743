using System.CommandLine;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>`kai install apply`: plan, then apply install.conf (root). --dry-run prints the plan; --json for fleets.</summary>
internal static class InstallApplyCommand
{
    public static Command Create()
    {
        var options = new InstallPlanOptions(withSource: true);
        var step = InstallRunCli.StepOption();
        return options.Command("apply", "Install or update Kai from install.conf: directories, payload, secrets, sudoers, service. Exit 0 = unchanged, 2 = changed, 1 = failed.",
            [step], (parse, _) =>
            {
                var (config, install) = options.Load(parse, parse.GetValue(step));
                return InstallPlanner.Create(config, install).Filter(install.Steps);
            });
    }
}
