using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Kai.Native.Service;

namespace Kai.PowerShell.Completion;

/// <summary>Tab completion of audit kinds (families first).</summary>
public sealed class AuditKindCompleter : IArgumentCompleter
{
    private static readonly string[] Kinds =
        AuditKinds.All.Select(k => k[..(k.IndexOf('.') + 1)] + "*").Distinct().Concat(AuditKinds.All).ToArray();

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionText.Complete(Kinds.Select(k => (k, k)), wordToComplete);
}
