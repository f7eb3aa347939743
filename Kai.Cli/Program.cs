using System.CommandLine;
using Kai.Cli;

// `kai`: the engine for shells without pwsh. Each area contributes its own command tree.
var root = new RootCommand("Kai: protected installation, sandboxed shell sessions and the Kai service.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
