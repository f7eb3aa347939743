using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>Uninstall-Kai: stops and removes the service, the sudoers rules and the installed files. Data and secrets stay unless -RemoveData / -RemoveSecrets.</summary>
[Cmdlet(VerbsLifecycle.Uninstall, "Kai", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("Kai.Native.Install.InstallStepResult")]
public sealed class UninstallKaiCommand : KaiCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "FullName")]
    [ValidateNotNullOrEmpty]
    public string ConfigPath { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    // A string, not the engine's enum: an enum-typed field would make the CLR load Kai.Native while pwsh
    // reflects over this type, before the module's load context is wired up.
    [Parameter]
    [ValidateSet("AllUsers", "CurrentUser")]
    public string? Scope { get; set; }

    [Parameter]
    public SwitchParameter RemoveData { get; set; }

    [Parameter]
    public SwitchParameter RemoveSecrets { get; set; }

    protected override void ProcessRecordCore()
    {
        var (config, options) = InstallCmdletSupport.Load(this, ConfigPath, Root, null, InstallCmdletSupport.ParseScope(Scope));
        options = options with { RemoveData = RemoveData, RemoveSecrets = RemoveSecrets };
        var whatIf = InstallCmdletSupport.IsWhatIf(this);
        var plan = UninstallPlanner.Create(config, options);
        if (!RemoveData) WriteVerbose($"Keeping the data directory {plan.Layout.OnDisk(plan.Layout.DataDirectory)} and home/ (use -RemoveData to delete them).");
        if (!RemoveSecrets) WriteVerbose($"Keeping the secrets in {plan.Layout.OnDisk(plan.Layout.SecretsDirectory)} (use -RemoveSecrets to delete them).");
        var observer = new InstallCmdletObserver(this, "Uninstalling Kai", writeResults: !whatIf);
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
