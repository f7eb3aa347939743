using Kai.Native;
using Kai.Native.Service;
using Kai.PowerShell.Hosting;

namespace Kai.PowerShell.Cmdlets.Service;

/// <summary>The service client for approval and audit cmdlets: the connected one, else the local service if one answers.</summary>
internal static class ServiceClients
{
    public const string ClientName = "Kai PowerShell";

    /// <summary>
    /// The connection to use and whether the caller owns it (must dispose it). Approvals and the audit log exist only
    /// in a service, so without Connect-KaiService the local socket is tried for this one command (the session
    /// cmdlets keep using the embedded host: nothing switches behind the user's back).
    /// </summary>
    public static async Task<(IKaiServiceClient Client, bool Owned)> AcquireAsync(CancellationToken cancellationToken)
    {
        if (KaiHostProvider.Current is IKaiServiceClient connected) return (connected, false);
        var detected = await ServiceSessionHost.DetectAsync(Describe(), cancellationToken).ConfigureAwait(false);
        if (detected is not null) return (detected, true);
        throw new KaiException("ServiceNotConnected", KaiErrorKind.InvalidOperation,
            "Approvals and the audit log are kept by the Kai service, and none is connected or answers on the local socket.", "Connect-KaiService")
        {
            RecommendedAction = "Connect-KaiService (local socket) or Connect-KaiService -Uri http://host:port -Credential (user name any, password the API secret).",
        };
    }

    public static string Describe() => $"{ClientName} {Environment.UserName}@{Environment.MachineName} pid {Environment.ProcessId}";
}
