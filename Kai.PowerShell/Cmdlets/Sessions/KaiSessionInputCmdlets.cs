using System.Management.Automation;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Base of the cmdlets that act on each of several sessions (names or session objects, from the pipeline).</summary>
public abstract class KaiSessionsInputCmdlet : KaiSessionCmdlet
{
    /// <summary>The sessions: names or session objects (pipeline input accepted).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SessionNameTransformation]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string[] Session { get; set; } = [];

    protected sealed override void ProcessRecordCore() => ForEachInput(Session, ProcessSession);

    /// <summary>Acts on one session; a KaiException becomes a non-terminating error for that session only.</summary>
    protected abstract void ProcessSession(string name);
}

/// <summary>Base of the cmdlets that act on each of several background processes (ids or objects, from the pipeline).</summary>
public abstract class KaiProcessesInputCmdlet : KaiSessionCmdlet
{
    /// <summary>Background process ids or objects (pipeline input accepted).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [BackgroundProcessIdTransformation]
    [ArgumentCompleter(typeof(BackgroundProcessIdCompleter))]
    public string[] Id { get; set; } = [];

    protected sealed override void ProcessRecordCore() => ForEachInput(Id, ProcessId);

    /// <summary>Acts on one background process; a KaiException becomes a non-terminating error for that id only.</summary>
    protected abstract void ProcessId(string id);
}
