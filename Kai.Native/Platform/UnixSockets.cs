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

    /// <summary>Every group <paramref name="user"/> belongs to (primary and supplementary).</summary>
    public static unsafe IReadOnlyList<uint> GroupsOf(UnixUser user)
    {
        var count = 64;
        for (var attempt = 0; attempt < 6; attempt++)
        {
            var groups = new uint[count];
            fixed (uint* p = groups)
            {
                var n = count;
                if (Interop.GetGroupList(user.Name, user.Gid, p, &n) >= 0) return groups.Take(n).ToArray();
                count = Math.Max(n, count * 2);
            }
        }
        return new[] { user.Gid };
    }
}
