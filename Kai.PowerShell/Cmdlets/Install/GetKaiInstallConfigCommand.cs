using System.Management.Automation;
using Kai.Native;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>
/// <para type="synopsis">Reads install.conf and shows its values (secrets only as Set / NotSet).</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "KaiInstallConfig")]
[OutputType(typeof(InstallConfigView))]
public sealed class GetKaiInstallConfigCommand : KaiCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ConfigPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = InstallConfigFile.DefaultFileName;

    protected override void ProcessRecordCore()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        try
        {
            // Showing a file others can write is harmless (and tells them to fix it); applying it is not.
            var config = InstallConfigFile.Load(path, new InstallConfigLoadOptions { AllowInsecure = true });
            var view = InstallConfigView.From(config, path);
            if (view.PermissionWarning is { } warning) WriteWarning(warning);
            WriteObject(view);
        }
        catch (KaiException ex)
        {
            WriteKaiError(ex);
        }
    }
}
