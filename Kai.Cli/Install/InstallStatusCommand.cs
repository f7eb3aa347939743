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
        var root = InstallCli.RootOption();
        var source = InstallCli.SourceOption();
        var scope = InstallCli.ScopeOption();
        var json = InstallCli.JsonOption();
        var verbose = InstallCli.VerboseOption();
        var command = new Command("status", "Report the installation: locations with owner and mode, secrets, service, version, sandbox, workspace access, drift.")
        {
            config, root, source, scope, json, verbose,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            return InstallCli.Guard(asJson, "status", () =>
            {
                var path = parse.GetValue(config) ?? (File.Exists(InstallConfigFile.DefaultFileName) ? InstallConfigFile.DefaultFileName : null);
                InstallConfig? cfg = null;
                var options = new InstallOptions { Root = parse.GetValue(root), SourcePath = parse.GetValue(source), Scope = parse.GetValue(scope) };
                if (path is not null)
                {
                    (cfg, options) = InstallCli.Load(path, options.Root, options.SourcePath, options.Scope);
                }
                var report = InstallStatus.Get(cfg, options, new ConsoleInstallObserver(false, asJson, parse.GetValue(verbose)));
                if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(report, InstallCli.Json));
                else Console.Out.Write(report.Render());
                return report.InDesiredState == false ? InstallCli.ExitChanged : InstallCli.ExitUnchanged;
            });
        });
        return command;
    }
}
