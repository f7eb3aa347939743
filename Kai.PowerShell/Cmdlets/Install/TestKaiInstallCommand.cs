using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>Test-KaiInstall: runs every step's Test and returns $true when nothing drifted (-Detailed: one result per step).</summary>
[Cmdlet(VerbsDiagnostic.Test, "KaiInstall")]
[OutputType(typeof(bool))]
[OutputType("Kai.Native.Install.InstallStepResult")]
public sealed class TestKaiInstallCommand : KaiCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "FullName")]
    [ValidateNotNullOrEmpty]
    public string ConfigPath { get; set; } = "";

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

    [Parameter]
    [ArgumentCompleter(typeof(InstallStepCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Step { get; set; }

    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecordCore()
    {
        var (config, options) = InstallCmdletSupport.Load(this, ConfigPath, Root, SourcePath, InstallCmdletSupport.ParseScope(Scope), Step);
        var plan = InstallPlanner.Create(config, options).Filter(options.Steps);
        var tests = InstallRunner.TestAll(plan, new InstallCmdletObserver(this, "Testing the Kai installation", writeResults: false));
        foreach (var test in tests.Where(t => t.Status == InstallStepStatus.WouldChange && plan.Steps[t.Index].CountsAsDrift))
            WriteVerbose($"drift: {test.Step} {test.Target}: {test.Detail}");
        if (Detailed) WriteObject(tests, enumerateCollection: true);
        else WriteObject(InstallRunner.InDesiredState(plan, tests));
    }
}
