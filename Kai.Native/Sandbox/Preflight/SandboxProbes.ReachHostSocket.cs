using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

internal sealed partial class SandboxProbes
{
    private SandboxProbeResult ReachHostSocket()
    {
        const string id = "reach-host-socket", what = "Reach a host service socket";
        var directory = Path.Combine(Path.GetTempPath(), "kai-preflight-" + _nonce[..12]);
        Directory.CreateDirectory(directory);
        try
        {
            var path = Path.Combine(directory, "s");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen();
            // Well-known sockets that would hand a sandbox the host (docker) or its services (D-Bus, systemd).
            var sockets = new List<string> { path };
            sockets.AddRange(new[] { "/run/docker.sock", "/var/run/docker.sock", "/run/containerd/containerd.sock", "/run/dbus/system_bus_socket", "/run/systemd/private" }
                .Where(p => File.Exists(p) || SandboxPaths.KindOf(p) != PathKind.Missing));
            var script = string.Join('\n', sockets.Select(s => $"[ -S {Quote(s)} ] && echo visible={s}"));
            var output = Bash(id, script);
            var visible = Lines(output, "visible=").ToList();
            var rule = _plan.Covering(SandboxPaths.Resolve(directory))?.RuleId;
            return visible.Count > 0
                ? Result(id, what, SandboxProbeOutcome.Escaped, "Host sockets visible inside the sandbox: " + string.Join(", ", visible), rule)
                : Result(id, what, SandboxProbeOutcome.Blocked, $"No host socket is visible: {string.Join(", ", sockets)}.", rule);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
