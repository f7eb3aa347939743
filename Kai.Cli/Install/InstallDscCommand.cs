using System.CommandLine;
using System.Text.Json;
using Kai.Native;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>
/// `kai install dsc get|test|set`: the Kai/Install DSC v3 resource (manifest: bin/kai.dsc.resource.json). The desired
/// state arrives as JSON on stdin; the state goes to stdout as one JSON line; errors go to stderr with exit 1
/// (2 for invalid input).
/// </summary>
internal static class InstallDscCommand
{
    public static Command Create()
    {
        var command = new Command("dsc", "DSC v3 resource Kai/Install (reads the desired state as JSON on stdin).");
        command.Subcommands.Add(Operation("get", "Print the actual state.", instance => DscInstallResource.State(instance, includeTest: false)));
        command.Subcommands.Add(Operation("test", "Print the actual state with _inDesiredState.", instance => DscInstallResource.State(instance, includeTest: true)));
        command.Subcommands.Add(Operation("set", "Apply the install, then print the state.", instance => DscInstallResource.Set(instance)));
        return command;
    }

    private static Command Operation(string name, string description, Func<DscInstallResource.Instance, System.Text.Json.Nodes.JsonObject> run)
    {
        var command = new Command(name, description);
        command.SetAction(_ =>
        {
            try
            {
                var instance = DscInstallResource.ParseInput(Console.In.ReadToEnd());
                Console.Out.WriteLine(run(instance).ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
                return 0;
            }
            catch (KaiException ex)
            {
                // DSC reads trace lines from stderr as JSON.
                Console.Error.WriteLine(JsonSerializer.Serialize(new { error = $"[{ex.ErrorId}] {ex.Message}" }));
                return ex.ErrorId == "DscInputInvalid" ? 2 : 1;
            }
        });
        return command;
    }
}
