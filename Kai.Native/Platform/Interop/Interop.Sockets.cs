using System.Runtime.InteropServices;

namespace Kai.Native.Platform;

internal static partial class Interop
{
    [LibraryImport(LibC, EntryPoint = "getsockopt", SetLastError = true)]
    internal static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport(LibC, EntryPoint = "getpeereid", SetLastError = true)]
    internal static unsafe partial int GetPeerEid(int fd, uint* uid, uint* gid);

    private const int SOL_SOCKET_LINUX = 1, SO_PEERCRED_LINUX = 17;

    /// <summary>Who is on the other end of a connected Unix socket: (pid, uid, gid); pid is -1 where the OS does not say.</summary>
    internal static unsafe (int Pid, uint Uid, uint Gid) PeerCredentials(int fd)
    {
        if (IsLinux)
        {
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            int* ucred = stackalloc int[3];
            uint length = 12;
            Errno.ThrowIfError(GetSockOpt(fd, SOL_SOCKET_LINUX, SO_PEERCRED_LINUX, ucred, &length), "getsockopt(SO_PEERCRED)");
            return (ucred[0], (uint)ucred[1], (uint)ucred[2]);
        }
        uint uid, gid;
        Errno.ThrowIfError(GetPeerEid(fd, &uid, &gid), "getpeereid");
        return (-1, uid, gid);
    }
}
