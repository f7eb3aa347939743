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

    /// <summary>
    /// Where Kestrel binds: a fresh 0700 directory beside the final path, so the socket is unreachable by
    /// anyone else until <see cref="Publish"/> has set its mode and group and renamed it into place
    /// (no process-wide umask games, no window with the umask's default mode).
    /// </summary>
    public static string PrepareBindPath(string socketPath)
    {
        var directory = Path.Combine(Path.GetDirectoryName(socketPath)!, $".kai.sock.bind-{Environment.ProcessId}");
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return Path.Combine(directory, ServicePaths.SocketFileName);
    }

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

    /// <summary>After bind: exact mode and group (the service user's), renamed into place, then the token readable by that group.</summary>
    public static void Publish(string bindPath, string socketPath, Secret token)
    {
        UnixFiles.SetMode(bindPath, SocketMode);
        var gid = UnixAccounts.EffectiveGroupId;
        UnixFiles.Chown(bindPath, UnixAccounts.EffectiveUserId, gid);
        File.Move(bindPath, socketPath, overwrite: true);
        Directory.Delete(Path.GetDirectoryName(bindPath)!);
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
