using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>Get-KaiStatus: the installation's state (locations with owner and mode, secrets, service, version, sandbox, workspace access, drift). No root needed.</summary>
[Cmdlet(VerbsCommon.Get, "KaiStatus")]
[OutputType("Kai.Native.Install.InstallStatusReport")]
public sealed class GetKaiStatusCommand : KaiCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "FullName")]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourcePath { get; set; }

    // A string, not the engine's enum: an enum-typed field would make the CLR load Kai.Native while pwsh
    // reflects over this type, before the module's load context is wired up.
    [Parameter]
    [ValidateSet("AllUsers", "CurrentUser")]
    public string? Scope { get; set; }

    protected override void ProcessRecordCore()
    {
        var scope = InstallCmdletSupport.ParseScope(Scope);
        InstallConfig? config = null;
        var options = new InstallOptions
        {
            Root = InstallCmdletSupport.Resolve(this, Root),
            SourcePath = InstallCmdletSupport.Resolve(this, SourcePath),
            Scope = scope,
        };
        if (ConfigPath is not null)
            (config, options) = InstallCmdletSupport.Load(this, ConfigPath, Root, SourcePath, scope);
        else
            WriteVerbose("No -ConfigPath: reporting the default locations, without a drift check.");
        var report = InstallStatus.Get(config, options, new InstallCmdletObserver(this, "Kai status", writeResults: false));
        foreach (var problem in report.WorkspaceProblems) WriteWarning(problem.ToString()["WARNING: ".Length..]);
        if (report.Claude.Mismatch) WriteWarning($"The claude binary paths disagree: {report.Claude}");
        WriteObject(report);
    }
}
