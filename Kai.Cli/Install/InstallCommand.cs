using System.CommandLine;

namespace Kai.Cli.Install;

/// <summary>SCAFFOLD: `kai install`; its area's work replaces this file.</summary>
internal static class InstallCommand
{
    public static Command Create() => new("install", "Not built yet.");
}
