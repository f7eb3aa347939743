using System.Management.Automation;
using Kai.Native.Sessions;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Get-KaiSession: the sessions of the current host, by name or wildcard.</summary>
[Cmdlet(VerbsCommon.Get, "KaiSession")]
[OutputType(typeof(SessionInfo))]
public sealed class GetKaiSessionCommand : KaiSessionCmdlet
{
    /// <summary>Names or wildcard patterns; all sessions when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [SessionNameTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string[]? Name { get; set; }

    private IReadOnlyList<SessionInfo>? _sessions;
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    protected override void ProcessRecordCore()
    {
        _sessions ??= Await(SessionHost.GetSessionsAsync(CancellationToken))
            .OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (Name is null)
        {
            foreach (var session in _sessions) Write(session);
            return;
        }
        foreach (var name in Name)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var matches = _sessions.Where(s => pattern.IsMatch(s.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                WriteKaiError(SessionNames.NotFound(name));
            foreach (var session in matches) Write(session);
        }
    }

    private void Write(SessionInfo session)
    {
        if (_written.Add(session.Name)) WriteObject(session);
    }
}
