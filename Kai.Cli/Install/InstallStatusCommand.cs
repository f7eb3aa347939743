using System.CommandLine;
using System.Text.Json;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>`kai install status`: the seed's status report (no root needed). Exit 0 = in desired state, 2 = drift, 1 = failed.</summary>
internal static class InstallStatusCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = "install.conf to compare against (drift); default ./install.conf when it exists." };
        var root = InstallRunCli.RootOption();
        var source = InstallRunCli.SourceOption();
        var scope = InstallRunCli.ScopeOption();
        var json = InstallRunCli.JsonOption();
        var verbose = InstallRunCli.VerboseOption();
        var command = new Command("status", "Report the installation: locations with owner and mode, secrets, service, version, sandbox, workspace access, drift.")
        {
            config, root, source, scope, json, verbose,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            return InstallRunCli.Guard(asJson, "status", () =>
            {
                var path = parse.GetValue(config) ?? (File.Exists(InstallConfigFile.DefaultFileName) ? InstallConfigFile.DefaultFileName : null);
                InstallConfig? cfg = null;
                var options = new InstallOptions { Root = parse.GetValue(root), SourcePath = parse.GetValue(source), Scope = parse.GetValue(scope) };
                if (path is not null)
                {
                    (cfg, options) = InstallRunCli.Load(path, options.Root, options.SourcePath, options.Scope);
                }
                var report = InstallStatus.Get(cfg, options, new ConsoleInstallObserver(false, asJson, parse.GetValue(verbose)));
                if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(report, InstallRunCli.Json));
                else Console.Out.Write(report.Render());
                return report.InDesiredState == false ? InstallRunCli.ExitChanged : InstallRunCli.ExitUnchanged;
            });
        });
        return command;
    }
}
