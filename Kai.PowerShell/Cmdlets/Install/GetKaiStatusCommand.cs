using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>Get-KaiStatus: the installation's state (locations with owner and mode, secrets, service, version, sandbox, workspace access, drift). No root needed.</summary>
[Cmdlet(VerbsCommon.Get, "KaiStatus")]
[OutputType("Kai.Native.Install.InstallStatusReport")]
public sealed class GetKaiStatusCommand : InstallCmdletBase
{
    /// <summary>Optional here (unlike the other install cmdlets): without it there is no drift check.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "FullName")]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourcePath { get; set; }

    protected override void ProcessRecordCore()
    {
        InstallConfig? config = null;
        var options = OptionsWithoutConfig(SourcePath);
        if (ConfigPath is not null)
            (config, options) = Load(ConfigPath, SourcePath);
        else
            WriteVerbose("No -ConfigPath: reporting the default locations, without a drift check.");
        var report = InstallStatus.Get(config, options, new InstallCmdletObserver(this, "Kai status", writeResults: false));
        foreach (var problem in report.WorkspaceProblems) WriteWarning(problem.ToString()["WARNING: ".Length..]);
        if (report.Claude.Mismatch) WriteWarning($"The claude binary paths disagree: {report.Claude}");
        WriteObject(report);
    }
}
