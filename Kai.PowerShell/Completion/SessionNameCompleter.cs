using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Kai.PowerShell.Hosting;

namespace Kai.PowerShell.Completion;

/// <summary>Tab completion of session names, from the host the cmdlets use.</summary>
public sealed class SessionNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var sessions = CompletionText.Query(token => KaiHostProvider.Current.GetSessionsAsync(token));
        return CompletionText.Complete(
            sessions.Select(s => (s.Name, $"{s.Name} ({s.State}, {s.WorkingDirectory})")),
            wordToComplete);
    }
}
