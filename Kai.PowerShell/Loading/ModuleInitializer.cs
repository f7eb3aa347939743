using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Kai.PowerShell.Loading;

/// <summary>
/// Runs when pwsh imports the module: from then on, a request for Kai.Native from the default
/// context (our cmdlets referencing engine types) is answered with the copy in <see cref="KaiLoadContext"/>.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    private static int s_registered;

    public void OnImport() => Register();

    /// <summary>Also run by the runtime the first time any code in this assembly executes.</summary>
    // CA2255 warns libraries off module initializers; here it is the point: the hook must exist before
    // any cmdlet code touches an engine type, whatever order the host imports things in.
#pragma warning disable CA2255
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "Kai.Native" ? KaiLoadContext.Instance.LoadFromAssemblyName(name) : null;
}
