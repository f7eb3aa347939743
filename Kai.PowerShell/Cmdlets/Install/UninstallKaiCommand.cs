using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>Uninstall-Kai: stops and removes the service, the sudoers rules and the installed files. Data and secrets stay unless -RemoveData / -RemoveSecrets.</summary>
[Cmdlet(VerbsLifecycle.Uninstall, "Kai", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("Kai.Native.Install.InstallStepResult")]
public sealed class UninstallKaiCommand : InstallConfigCmdletBase
{
    [Parameter]
    public SwitchParameter RemoveData { get; set; }

    [Parameter]
    public SwitchParameter RemoveSecrets { get; set; }

    protected override void ProcessRecordCore()
    {
        var (config, options) = Load(ConfigPath);
        var plan = UninstallPlanner.Create(config, options with { RemoveData = RemoveData, RemoveSecrets = RemoveSecrets });
        if (!RemoveData) WriteVerbose($"Keeping the data directory {plan.Layout.OnDisk(plan.Layout.DataDirectory)} and home/ (use -RemoveData to delete them).");
        if (!RemoveSecrets) WriteVerbose($"Keeping the secrets in {plan.Layout.OnDisk(plan.Layout.SecretsDirectory)} (use -RemoveSecrets to delete them).");
        Run(plan, "Uninstalling Kai");
    }
}
