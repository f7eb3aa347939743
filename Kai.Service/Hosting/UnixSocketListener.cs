using System.Net.Sockets;
using Kai.Native;
using Kai.Native.IO;
using Kai.Native.Platform;
using Kai.Native.Service;
using Kai.Service.Configuration;

namespace Kai.Service.Hosting;

/// <summary>The service's Unix socket: stale-file handling before bind, mode 0660 and group after, the socket token beside it.</summary>
public static class UnixSocketListener
{
    public const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
    public const UnixFileMode TokenMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    /// <summary>The umask while Kestrel binds: the socket is never, even briefly, accessible to others.</summary>
    public const UnixFileMode BindUmask = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Removes a socket file nobody listens on; refuses to start when another service answers on it.</summary>
    public static void ClearStale(string socketPath)
    {
        if (!File.Exists(socketPath)) return;
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(socketPath));
                throw new ServiceConfigurationException($"Another Kai service is already listening on {socketPath}.", socketPath);
            }
            catch (SocketException)
            {
                // Connection refused: a socket left by a process that died. Safe to replace.
            }
        }
        File.Delete(socketPath);
    }

    /// <summary>After bind: exact mode and group (the service user's), then a fresh token readable by that group.</summary>
    public static void Secure(string socketPath, Secret token)
    {
        UnixFiles.SetMode(socketPath, SocketMode);
        var gid = UnixAccounts.EffectiveGroupId;
        UnixFiles.Chown(socketPath, UnixAccounts.EffectiveUserId, gid);
        AtomicFile.WriteAllText(ServicePaths.TokenPath(socketPath), token.Reveal() + "\n", TokenMode, (UnixAccounts.EffectiveUserId, gid));
    }

    public static void Remove(string socketPath)
    {
        foreach (var path in new[] { ServicePaths.TokenPath(socketPath), socketPath })
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
