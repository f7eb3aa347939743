namespace Kai.Native.Platform;

/// <summary>Owner, group and permission bits of a path, as `ls -l` would show them.</summary>
public sealed record UnixFileStatus(string Path, uint Uid, uint Gid, UnixFileMode Mode)
{
    public string Owner => UnixAccounts.UserName(Uid);
    public string Group => UnixAccounts.GroupName(Gid);
    /// <summary>Mode as four octal digits, e.g. "0755".</summary>
    public string OctalMode => UnixFiles.ToOctal(Mode);
    public override string ToString() => $"{Owner}:{Group} {OctalMode}";
}

/// <summary>File ownership and permission operations missing from System.IO.</summary>
public static class UnixFiles
{
    private const UnixFileMode PermissionMask = (UnixFileMode)0xFFF;

    public static UnixFileStatus? TryStat(string path)
    {
        try
        {
            return Stat(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public static UnixFileStatus Stat(string path)
    {
        var (uid, gid, mode) = Interop.LStat(path);
        return new UnixFileStatus(path, uid, gid, (UnixFileMode)mode & PermissionMask);
    }

    /// <summary>chown without following a final symlink (so a planted link cannot redirect it).</summary>
    public static void Chown(string path, uint uid, uint gid) =>
        Errno.ThrowIfError(Interop.LChown(path, uid, gid), "chown", path);

    public static void SetMode(string path, UnixFileMode mode) => File.SetUnixFileMode(path, mode);

    public static bool CanWrite(string path) => Interop.Access(path, Interop.W_OK) == 0;

    public static string ToOctal(UnixFileMode mode) => Convert.ToString((int)(mode & PermissionMask), 8).PadLeft(4, '0');

    public static UnixFileMode ParseOctal(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    public static void FSyncDirectory(string directory) => Interop.FSyncDirectory(directory);
}
