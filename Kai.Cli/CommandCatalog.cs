using System.CommandLine;

namespace Kai.Cli;

/// <summary>The top-level commands; each area contributes one tree from its own folder.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return Install.InstallCommand.Create();
        yield return Shell.ShellCommand.Create();
        yield return Sandbox.SandboxCommand.Create();
        yield return Serve.ServeCommand.Create();
        yield return VersionCommand.Create();
    }
}
