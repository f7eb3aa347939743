using System.Net.Sockets;

namespace Kai.Native.Platform;

/// <summary>The peer of a Unix-socket connection, as the kernel reports it (SO_PEERCRED / getpeereid).</summary>
public sealed record PeerCredentials(int ProcessId, uint UserId, uint GroupId)
{
    public string UserName => UnixAccounts.UserName(UserId);
    public override string ToString() => ProcessId > 0 ? $"uid {UserId} ({UserName}) pid {ProcessId}" : $"uid {UserId} ({UserName})";
}

/// <summary>Unix-socket helpers missing from System.Net.Sockets.</summary>
public static class UnixSockets
{
    public static PeerCredentials GetPeerCredentials(Socket socket)
    {
        var (pid, uid, gid) = Interop.PeerCredentials((int)socket.Handle);
        return new PeerCredentials(pid, uid, gid);
    }
}
