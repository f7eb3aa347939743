using System.Management.Automation;
using Kai.Native.Install;

namespace Kai.PowerShell.Cmdlets.Install;

/// <summary>
/// Base of the cmdlets that act on an installation (Install-Kai, Test-KaiInstall, Uninstall-Kai, Get-KaiStatus):
/// -Root and -Scope, paths resolved against $PWD, and loading install.conf into <see cref="InstallOptions"/>.
/// </summary>
public abstract class InstallCmdletBase : KaiCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    // A string, not the engine's enum: an enum-typed field would make the CLR load Kai.Native while pwsh
    // reflects over this type, before the module's load context is wired up.
    [Parameter]
    [ValidateSet("AllUsers", "CurrentUser")]
    public string? Scope { get; set; }

    /// <summary>True under -WhatIf (or $WhatIfPreference): the run is then a dry run whatever ShouldProcess answers.</summary>
    protected bool IsWhatIf
    {
        get
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value))
                return value is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(value);
            return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
        }
    }

    /// <summary>A path as the user meant it: relative to PowerShell's current location, not the process's.</summary>
    protected string? Resolve(string? path) =>
        string.IsNullOrEmpty(path) ? null : GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Options from -Root, -Scope and <paramref name="sourcePath"/> alone (no install.conf).</summary>
    private protected InstallOptions OptionsWithoutConfig(string? sourcePath) => new()
    {
        Root = Resolve(Root),
        SourcePath = Resolve(sourcePath),
        Scope = ParseScope(),
    };

    /// <summary>Reads install.conf and builds the options from it and the bound parameters.</summary>
    private protected (InstallConfig Config, InstallOptions Options) Load(string configPath, string? sourcePath = null,
        string[]? steps = null, string? migrateFrom = null)
    {
        var full = Resolve(configPath)!;
        WriteVerbose($"Reading {full}");
        var config = InstallConfigFile.Load(full);
        return (config, OptionsWithoutConfig(sourcePath) with
        {
            ConfigDirectory = Path.GetDirectoryName(full),
            MigrateFrom = Resolve(migrateFrom),
            Steps = steps is { Length: > 0 } ? steps : null,
        });
    }

    /// <summary>Applies <paramref name="plan"/> (a dry run under -WhatIf), reporting each step as progress and results.</summary>
    private protected void Run(InstallPlan plan, string activity)
    {
        var whatIf = IsWhatIf;
        var observer = new InstallCmdletObserver(this, activity, writeResults: !whatIf);
        try
        {
            InstallRunner.Run(plan, whatIf ? InstallRunMode.DryRun : InstallRunMode.Apply, observer, CancellationToken);
        }
        finally
        {
            observer.Complete();
        }
    }

    private InstallScope? ParseScope() =>
        Scope is null ? null : Enum.Parse<InstallScope>(Scope, ignoreCase: true);
}

/// <summary>Base of the install cmdlets that need install.conf: a mandatory -ConfigPath (install.conf files bind from the pipeline).</summary>
public abstract class InstallConfigCmdletBase : InstallCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "FullName")]
    [ValidateNotNullOrEmpty]
    public string ConfigPath { get; set; } = "";
}

/// <summary>Base of Install-Kai and Test-KaiInstall: they plan from install.conf, a distribution (-SourcePath) and a step filter (-Step).</summary>
public abstract class InstallPlanCmdletBase : InstallConfigCmdletBase
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourcePath { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(InstallStepCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Step { get; set; }

    /// <summary>The install plan for the bound parameters, filtered to -Step; <paramref name="planning"/> sees the options before planning starts.</summary>
    private protected InstallPlan CreatePlan(string? migrateFrom = null, Action<InstallOptions>? planning = null)
    {
        var (config, options) = Load(ConfigPath, SourcePath, Step, migrateFrom);
        planning?.Invoke(options);
        return InstallPlanner.Create(config, options).Filter(options.Steps);
    }
}
