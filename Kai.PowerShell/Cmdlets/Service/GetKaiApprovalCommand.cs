using System.Management.Automation;
using Kai.Native.Service;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>Get-KaiApproval: commands the service held for approval (pending ones, and what became of the others).</summary>
[Cmdlet(VerbsCommon.Get, "KaiApproval", DefaultParameterSetName = FilterSet)]
[OutputType(typeof(ApprovalInfo))]
public sealed class GetKaiApprovalCommand : KaiServiceCmdlet
{
    private const string FilterSet = "Filter";
    private const string IdSet = "Id";

    /// <summary>Approval ids (ap-…); pipeline input by property name.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ApprovalIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Only approvals in this state (Pending, Approved, Denied, TimedOut, SessionClosed).</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public ApprovalStatus? Status
    {
        get => _status is { } s ? (ApprovalStatus)s : null;
        set => _status = value is { } v ? (int)v : null;
    }

    // Stored as int, not as the engine enum: a value-type field of an engine type would make pwsh load
    // Kai.Native into the default context while importing the module (see StartKaiSessionCommand.Sandbox).
    private int? _status;

    /// <summary>Only approvals of this session.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string? Session { get; set; }

    /// <summary>Only approvals that changed at or after this time (the replay a reconnecting client asks for).</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public DateTime? Since { get; set; }

    protected override void ProcessRecordCore()
    {
        if (ParameterSetName == IdSet)
        {
            ForEachInput(Id, id => WriteObject(Await(Client.GetApprovalAsync(id, CancellationToken))));
            return;
        }
        var since = Since is { } s ? new DateTimeOffset(s.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(s, DateTimeKind.Local) : s) : (DateTimeOffset?)null;
        foreach (var approval in Await(Client.GetApprovalsAsync(new ApprovalQuery(Status, Session, since), CancellationToken)))
            WriteObject(approval);
    }
}
