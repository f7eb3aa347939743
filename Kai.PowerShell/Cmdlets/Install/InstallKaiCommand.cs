using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>
/// Install-Kai: plans the protected installation from install.conf, then applies it step by step (the seed's order).
/// -WhatIf lists exactly the steps a real run would change and changes nothing; -Confirm asks per step.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "Kai", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("Kai.Native.Install.InstallStepResult")]
public sealed class InstallKaiCommand : KaiCmdlet
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
    [ValidateNotNullOrEmpty]
    public string? MigrateFrom { get; set; }

    protected override void ProcessRecordCore()
    {
        var (config, options) = InstallCmdletSupport.Load(this, ConfigPath, Root, SourcePath, InstallCmdletSupport.ParseScope(Scope), Step, MigrateFrom);
        var whatIf = InstallCmdletSupport.IsWhatIf(this);
        WriteVerbose($"Planning the install{(options.Root is { } r ? " under " + r : "")}{(whatIf ? " (WhatIf: nothing will change)" : "")}");
        var plan = InstallPlanner.Create(config, options).Filter(options.Steps);
        WriteVerbose($"{plan.Steps.Count} steps from {plan.Payload?.Directory} (Kai {plan.Payload?.Version})");
        var observer = new InstallCmdletObserver(this, "Installing Kai", writeResults: !whatIf);
        try
        {
            InstallRunner.Run(plan, whatIf ? InstallRunMode.DryRun : InstallRunMode.Apply, observer, CancellationToken);
        }
        finally
        {
            observer.Complete();
        }
    }
}
