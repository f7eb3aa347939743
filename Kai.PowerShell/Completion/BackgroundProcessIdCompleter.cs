using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Kai.PowerShell.Hosting;

namespace Kai.PowerShell.Completion;

/// <summary>Tab completion of background process ids (of the -Session already typed, if any).</summary>
public sealed class BackgroundProcessIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var bound = fakeBoundParameters?["Session"];
        var session = (bound is PSObject wrapped ? wrapped.BaseObject : bound) switch
        {
            string name => name,
            Kai.Native.Sessions.SessionInfo info => info.Name,
            _ => null,
        };
        var processes = CompletionText.Query(token => KaiHostProvider.Current.GetProcessesAsync(session, token));
        return CompletionText.Complete(
            processes.Select(p => (p.Id, $"{p.Id} [{p.Session}, {p.State}] {p.Command}")),
            wordToComplete);
    }
}
