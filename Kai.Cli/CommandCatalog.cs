using System.CommandLine;

namespace Kai.Cli;

/// <summary>The top-level commands; each area adds its own here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
    }
}
