using System.Net.Sockets;
using System.Text;

namespace Kai.Service.Hosting;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram per state change to $NOTIFY_SOCKET (a path, or an abstract
/// name written with a leading '@'). Without NOTIFY_SOCKET (not under systemd Type=notify) it does nothing.
/// </summary>
public sealed class SystemdNotifier
{
    private readonly string? _socket;

    public SystemdNotifier(string? notifySocket) => _socket = string.IsNullOrEmpty(notifySocket) ? null : notifySocket;


    public bool IsEnabled => _socket is not null;

    public bool Ready(string status) => Notify($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}");
    public bool Stopping(string status) => Notify($"STOPPING=1\nSTATUS={status}");
    public bool Status(string status) => Notify($"STATUS={status}");

    /// <summary>Sends one notification; false when there is no socket or it could not be reached (never throws: systemd may be gone).</summary>
    public bool Notify(string state)
    {
        if (_socket is null) return false;
        var address = _socket[0] == '@' ? "\0" + _socket[1..] : _socket;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(address));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
