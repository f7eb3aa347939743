using System.Management.Automation;
using Kai.Native;
using Kai.Native.Sessions;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Get-KaiProcess: background processes (Invoke-KaiShell -Background, -OnTimeout Background).</summary>
[Cmdlet(VerbsCommon.Get, "KaiProcess")]
[OutputType(typeof(BackgroundProcessInfo))]
public sealed class GetKaiProcessCommand : KaiSessionCmdlet
{
    /// <summary>Ids or wildcard patterns; all when omitted.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [BackgroundProcessIdTransformation]
    [ArgumentCompleter(typeof(BackgroundProcessIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Only the processes of this session (a name or a session object; pipeline input accepted).</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SessionNameTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string? Session { get; set; }

    protected override void ProcessRecordCore()
    {
        var processes = Await(SessionHost.GetProcessesAsync(Session, CancellationToken));
        if (Id is null)
        {
            WriteObject(processes, enumerateCollection: true);
            return;
        }
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in Id)
        {
            var pattern = new WildcardPattern(id, WildcardOptions.IgnoreCase);
            var matches = processes.Where(p => pattern.IsMatch(p.Id)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(id))
                WriteKaiError(ProcessErrors.NotFound(id));
            foreach (var process in matches.Where(p => written.Add(p.Id))) WriteObject(process);
        }
    }
}

/// <summary>Background process failures raised by the cmdlets themselves.</summary>
internal static class ProcessErrors
{
    /// <summary>Same ErrorId as the hosts use for an unknown process id.</summary>
    public static KaiException NotFound(string id) =>
        new("ProcessNotFound", KaiErrorKind.ObjectNotFound, $"There is no background process with id '{id}'.", id)
        {
            RecommendedAction = "List background processes with Get-KaiProcess.",
        };

    public static KaiException WaitTimedOut(string id, TimeSpan timeout) =>
        new("BackgroundProcessWaitTimeout", KaiErrorKind.OperationTimeout,
            $"Background process '{id}' was still running after {timeout.TotalSeconds:0.#} s.", id);
}
