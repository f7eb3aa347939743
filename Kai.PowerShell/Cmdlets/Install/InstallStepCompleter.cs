using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>Tab completion for -Step: the names of the install steps, in plan order.</summary>
public sealed class InstallStepCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return InstallPlanner.StepNames
            .Where(name => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, $"Install step {name}"));
    }
}
