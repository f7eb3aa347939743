using System.Management.Automation;
using Kai.Native;
using Kai.Native.Sessions;
using Kai.PowerShell.Hosting;

namespace Kai.PowerShell.Cmdlets.Sessions;

/// <summary>Base of the session cmdlets: the host they act on (embedded or a service), chosen once per command.</summary>
public abstract class KaiSessionCmdlet : KaiCmdlet
{
    private ISessionHost? _host;

    /// <summary>Whatever <see cref="KaiHostProvider.Current"/> is when the command starts; the cmdlets never care which.</summary>
    protected ISessionHost SessionHost => _host ??= KaiHostProvider.Current;

    /// <summary>True when -Verbose is on for this command (switch or preference).</summary>
    protected bool VerboseRequested()
    {
        if (MyInvocation.BoundParameters.TryGetValue("Verbose", out var value))
            return value is SwitchParameter { IsPresent: true };
        return GetVariableValue("VerbosePreference") is ActionPreference preference
            && preference is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
    }

    /// <summary>A path the user typed, resolved against the PowerShell current location (~ works); file system only.</summary>
    protected string ResolveFileSystemPath(string path, string parameterName)
    {
        var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
        if (!string.Equals(provider.Name, "FileSystem", StringComparison.Ordinal))
        {
            throw new KaiException("PathNotFileSystem", KaiErrorKind.InvalidArgument,
                $"-{parameterName} must be a file system path; '{path}' is on the {provider.Name} provider.", path);
        }
        return resolved;
    }
}
