using System.CommandLine;

namespace Kai.Cli.Serve;

/// <summary>SCAFFOLD: `kai serve`; its area's work replaces this file.</summary>
internal static class ServeCommand
{
    public static Command Create() => new("serve", "Not built yet.");
}
