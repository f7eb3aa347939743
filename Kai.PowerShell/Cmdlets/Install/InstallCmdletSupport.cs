using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>What the install cmdlets share: resolving paths against $PWD, loading install.conf, building options.</summary>
internal static class InstallCmdletSupport
{
    /// <summary>A path as the user meant it: relative to PowerShell's current location, not the process's.</summary>
    public static string? Resolve(PSCmdlet cmdlet, string? path) =>
        string.IsNullOrEmpty(path) ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(path);

    public static (InstallConfig Config, InstallOptions Options) Load(PSCmdlet cmdlet, string configPath, string? root, string? source,
        InstallScope? scope, string[]? steps = null, string? migrateFrom = null)
    {
        var full = Resolve(cmdlet, configPath)!;
        cmdlet.WriteVerbose($"Reading {full}");
        var config = InstallConfigFile.Load(full);
        return (config, new InstallOptions
        {
            Root = Resolve(cmdlet, root),
            SourcePath = Resolve(cmdlet, source),
            Scope = scope,
            ConfigDirectory = Path.GetDirectoryName(full),
            MigrateFrom = Resolve(cmdlet, migrateFrom),
            Steps = steps is { Length: > 0 } ? steps : null,
        });
    }

    /// <summary>True under -WhatIf (or $WhatIfPreference): the run is then a dry run whatever ShouldProcess answers.</summary>
    public static bool IsWhatIf(PSCmdlet cmdlet)
    {
        if (cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value))
            return value is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(value);
        return LanguagePrimitives.IsTrue(cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference"));
    }

    public static InstallScope? ParseScope(string? scope) =>
        scope is null ? null : Enum.Parse<InstallScope>(scope, ignoreCase: true);
}
