using System.CommandLine;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>`kai install apply`: plan, then apply install.conf (root). --dry-run prints the plan; --json for fleets.</summary>
internal static class InstallApplyCommand
{
    public static Command Create()
    {
        var config = InstallCli.ConfigOption();
        var root = InstallCli.RootOption();
        var source = InstallCli.SourceOption();
        var scope = InstallCli.ScopeOption();
        var dryRun = InstallCli.DryRunOption();
        var json = InstallCli.JsonOption();
        var verbose = InstallCli.VerboseOption();
        var step = InstallCli.StepOption();
        var command = new Command("apply", "Install or update Kai from install.conf: directories, payload, secrets, sudoers, service. Exit 0 = unchanged, 2 = changed, 1 = failed.")
        {
            config, root, source, scope, dryRun, json, verbose, step,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            return InstallCli.Guard(asJson, "apply", () =>
            {
                var (cfg, options) = InstallCli.Load(parse.GetValue(config)!, parse.GetValue(root), parse.GetValue(source), parse.GetValue(scope), parse.GetValue(step));
                var plan = InstallPlanner.Create(cfg, options).Filter(options.Steps);
                return InstallCli.RunPlan("apply", plan, parse.GetValue(dryRun), asJson, parse.GetValue(verbose));
            });
        });
        return command;
    }
}
