using System.Management.Automation;
using Kai.Native.Service;
using Kai.PowerShell.Completion;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>Get-KaiAuditLog: the service's append-only audit log (oldest first), filtered; -Verify checks its hash chain.</summary>
[Cmdlet(VerbsCommon.Get, "KaiAuditLog", DefaultParameterSetName = QuerySet)]
[OutputType(typeof(AuditEntry), ParameterSetName = new[] { QuerySet })]
[OutputType(typeof(AuditVerification), ParameterSetName = new[] { VerifySet })]
public sealed class GetKaiAuditLogCommand : KaiServiceCmdlet
{
    private const string QuerySet = "Query";
    private const string VerifySet = "Verify";

    /// <summary>Entries at or after this time.</summary>
    [Parameter(ParameterSetName = QuerySet)]
    public DateTime? Since { get; set; }

    /// <summary>Entries at or before this time.</summary>
    [Parameter(ParameterSetName = QuerySet)]
    public DateTime? Until { get; set; }

    /// <summary>Entries of this kind, e.g. auth.failure; a trailing * matches a family (approval.*).</summary>
    [Parameter(ParameterSetName = QuerySet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AuditKindCompleter))]
    public string? Kind { get; set; }

    /// <summary>Entries about this session.</summary>
    [Parameter(ParameterSetName = QuerySet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string? Session { get; set; }

    /// <summary>Only the newest N entries (still oldest first).</summary>
    [Parameter(ParameterSetName = QuerySet)]
    [ValidateRange(1, 100000)]
    public int? Last { get; set; }

    /// <summary>Recompute the log's hash chain and report whether any row was altered or removed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = VerifySet)]
    public SwitchParameter Verify { get; set; }

    protected override void EndProcessingCore()
    {
        try
        {
            if (Verify)
            {
                WriteObject(Await(Client.VerifyAuditLogAsync(CancellationToken)));
                return;
            }
            var query = new AuditQuery(ToOffset(Since), ToOffset(Until), Kind, Session, Last);
            foreach (var entry in Await(Client.GetAuditLogAsync(query, CancellationToken)))
                WriteObject(entry);
        }
        finally
        {
            base.EndProcessingCore();
        }
    }

    private static DateTimeOffset? ToOffset(DateTime? value) => value is { } v
        ? new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Local) : v)
        : null;
}
