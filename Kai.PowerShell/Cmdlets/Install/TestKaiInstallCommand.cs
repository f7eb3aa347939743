using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>Test-KaiInstall: runs every step's Test and returns $true when nothing drifted (-Detailed: one result per step).</summary>
[Cmdlet(VerbsDiagnostic.Test, "KaiInstall")]
[OutputType(typeof(bool))]
[OutputType("Kai.Native.Install.InstallStepResult")]
public sealed class TestKaiInstallCommand : InstallPlanCmdletBase
{
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecordCore()
    {
        var plan = CreatePlan();
        var tests = InstallRunner.TestAll(plan, new InstallCmdletObserver(this, "Testing the Kai installation", writeResults: false));
        foreach (var test in tests.Where(t => t.Status == InstallStepStatus.WouldChange && plan.Steps[t.Index].CountsAsDrift))
            WriteVerbose($"drift: {test.Step} {test.Target}: {test.Detail}");
        if (Detailed) WriteObject(tests, enumerateCollection: true);
        else WriteObject(InstallRunner.InDesiredState(plan, tests));
    }
}
