using System.CommandLine;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>`kai install apply`: plan, then apply install.conf (root). --dry-run prints the plan; --json for fleets.</summary>
internal static class InstallApplyCommand
{
    public static Command Create()
    {
        var config = InstallCli.ConfigOption();
        var root = InstallRunCli.RootOption();
        var source = InstallRunCli.SourceOption();
        var scope = InstallRunCli.ScopeOption();
        var dryRun = InstallRunCli.DryRunOption();
        var json = InstallRunCli.JsonOption();
        var verbose = InstallRunCli.VerboseOption();
        var step = InstallRunCli.StepOption();
        var command = new Command("apply", "Install or update Kai from install.conf: directories, payload, secrets, sudoers, service. Exit 0 = unchanged, 2 = changed, 1 = failed.")
        {
            config, root, source, scope, dryRun, json, verbose, step,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            return InstallRunCli.Guard(asJson, "apply", () =>
            {
                var (cfg, options) = InstallRunCli.Load(parse.GetValue(config)!, parse.GetValue(root), parse.GetValue(source), parse.GetValue(scope), parse.GetValue(step));
                var plan = InstallPlanner.Create(cfg, options).Filter(options.Steps);
                return InstallRunCli.RunPlan("apply", plan, parse.GetValue(dryRun), asJson, parse.GetValue(verbose));
            });
        });
        return command;
    }
}
