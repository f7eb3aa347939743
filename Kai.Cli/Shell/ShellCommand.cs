using System.CommandLine;

namespace Kai.Cli.Shell;

/// <summary>SCAFFOLD: `kai shell`; its area's work replaces this file.</summary>
internal static class ShellCommand
{
    public static Command Create() => new("shell", "Not built yet.");
}
