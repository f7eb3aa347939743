using System.Management.Automation;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>
/// Install-Kai: plans the protected installation from install.conf, then applies it step by step (the seed's order).
/// -WhatIf lists exactly the steps a real run would change and changes nothing; -Confirm asks per step.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "Kai", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("Kai.Native.Install.InstallStepResult")]
public sealed class InstallKaiCommand : InstallPlanCmdletBase
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MigrateFrom { get; set; }

    protected override void ProcessRecordCore()
    {
        var plan = CreatePlan(MigrateFrom, options =>
            WriteVerbose($"Planning the install{(options.Root is { } r ? " under " + r : "")}{(IsWhatIf ? " (WhatIf: nothing will change)" : "")}"));
        WriteVerbose($"{plan.Steps.Count} steps from {plan.Payload?.Directory} (Kai {plan.Payload?.Version})");
        Run(plan, "Installing Kai");
    }
}
