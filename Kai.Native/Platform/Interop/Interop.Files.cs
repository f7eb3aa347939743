using System.Runtime.InteropServices;

namespace Kai.Native.Platform;

internal static partial class Interop
{
    [LibraryImport(LibC, EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Chown(string path, uint uid, uint gid);

    [LibraryImport(LibC, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LChown(string path, uint uid, uint gid);

    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(LibC, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FSync(int fd);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(LibC, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Access(string path, int mode);

    internal const int O_RDONLY = 0;
    internal static int O_DIRECTORY => IsMacOS ? 0x100000 : 0x10000;
    internal const int W_OK = 2;

    // statx has one layout on every Linux architecture, unlike struct stat.
    [LibraryImport(LibC, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatX(int dirfd, string path, int flags, uint mask, byte* buffer);

    // macOS: 64-bit-inode struct stat (arm64 exports it as lstat, x64 as lstat$INODE64).
    [LibraryImport(LibC, EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStatDarwinArm64(string path, byte* buffer);

    [LibraryImport(LibC, EntryPoint = "lstat$INODE64", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStatDarwinX64(string path, byte* buffer);

    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>Owner, group and mode bits of <paramref name="path"/> (the link itself, not its target).</summary>
    internal static unsafe (uint Uid, uint Gid, uint Mode) LStat(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (IsLinux)
        {
            Errno.ThrowIfError(StatX(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buffer), "stat", path);
            return (*(uint*)(buffer + 20), *(uint*)(buffer + 24), *(ushort*)(buffer + 28));
        }
        if (IsMacOS)
        {
            var rc = RuntimeInformation.ProcessArchitecture == Architecture.Arm64
                ? LStatDarwinArm64(path, buffer)
                : LStatDarwinX64(path, buffer);
            Errno.ThrowIfError(rc, "stat", path);
            return (*(uint*)(buffer + 16), *(uint*)(buffer + 20), *(ushort*)(buffer + 4));
        }
        throw new PlatformNotSupportedException("Kai supports Linux and macOS.");
    }

    /// <summary>The inode number of <paramref name="path"/> (the link itself), or null when there is nothing there.</summary>
    internal static unsafe ulong? LStatInode(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (IsLinux) return StatX(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buffer) == 0 ? *(ulong*)(buffer + 32) : null;
        if (IsMacOS)
        {
            var rc = RuntimeInformation.ProcessArchitecture == Architecture.Arm64
                ? LStatDarwinArm64(path, buffer)
                : LStatDarwinX64(path, buffer);
            return rc == 0 ? *(ulong*)(buffer + 8) : null;
        }
        throw new PlatformNotSupportedException("Kai supports Linux and macOS.");
    }

    /// <summary>fsync a directory so a rename inside it survives a crash.</summary>
    internal static void FSyncDirectory(string directory)
    {
        var fd = Open(directory, O_RDONLY | O_DIRECTORY);
        if (fd < 0) throw Errno.ToException(Errno.Last, "open", directory);
        try
        {
            Errno.ThrowIfError(FSync(fd), "fsync", directory);
        }
        finally
        {
            Close(fd);
        }
    }
}
