using System.CommandLine;
using Kai.Cli;

// `kai`: the engine for shells without pwsh. Each area contributes its own command tree.
var root = new RootCommand("Kai: protected installation, sandboxed shell sessions and the Kai service.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
var parse = root.Parse(args);
// `kai serve` stops gracefully on SIGTERM/SIGINT itself (its host cancels running commands and flushes the
// stores, which can take longer than System.CommandLine's 2 s termination timeout); the others keep it.
var invocation = new InvocationConfiguration();
if (parse.CommandResult.Command.Name == "serve") invocation.ProcessTerminationTimeout = null;
return await parse.InvokeAsync(invocation);
