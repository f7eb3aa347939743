using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult ReachNetwork()
    {
        const string id = "reach-network", what = "Reach the network";
        if (_policy.Network)
            return Result(id, what, SandboxProbeOutcome.NotApplicable, "This policy allows network access (rule network).", SandboxRuleIds.Network);
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var addresses = new List<string> { "127.0.0.1" };
        addresses.AddRange(HostAddresses().Take(2));
        var script = string.Join('\n', addresses.Select(a => $"(exec 3<>/dev/tcp/{a}/{port}) 2>/dev/null && echo connected={a}"))
                     + "\ngetent ahosts example.com >/dev/null 2>&1 && echo resolved";
        var output = Bash(id, script);
        var connected = Lines(output, "connected=").ToList();
        if (connected.Count > 0 || output.Contains("resolved\n", StringComparison.Ordinal))
            return Result(id, what, SandboxProbeOutcome.Escaped,
                $"Reached {(connected.Count > 0 ? "a host listener via " + string.Join(", ", connected) : "a DNS resolver")} with the network off.", SandboxRuleIds.Network);
        return Result(id, what, SandboxProbeOutcome.Blocked,
            $"A host TCP listener (port {port}) was unreachable via {string.Join(", ", addresses)}, and DNS did not resolve.", SandboxRuleIds.Network);
    }

    private static IEnumerable<string> HostAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork)
                .Select(a => a.Address.ToString())
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return Array.Empty<string>();
        }
    }
}
