using System.CommandLine;
using Kai.Native;
using Kai.Native.Install;

namespace Kai.Cli.Install;

/// <summary>What the `kai install` subcommands share: the --config option and how failures are printed.</summary>
internal static class InstallCli
{
    /// <summary>--config PATH (default ./install.conf), resolved against the current directory.</summary>
    public static Option<string> ConfigOption() => new("--config", "-c")
    {
        Description = "The install.conf file.",
        HelpName = "PATH",
        DefaultValueFactory = _ => InstallConfigFile.DefaultFileName,
    };

    /// <summary>Prints "kai install &lt;command&gt;: message" (and the recommended action) to stderr; returns exit code 1.</summary>
    public static int Fail(string command, KaiException error, TextWriter? stderr = null)
    {
        stderr ??= Console.Error;
        stderr.WriteLine($"kai install {command}: {error.Message}");
        if (error.RecommendedAction is { } action) stderr.WriteLine("  " + action);
        return 1;
    }

    public static void Warn(string message, TextWriter? stderr = null) => (stderr ?? Console.Error).WriteLine("warning: " + message);
}
