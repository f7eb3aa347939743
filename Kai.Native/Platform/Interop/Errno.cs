using System.Runtime.InteropServices;

namespace Kai.Native.Platform;

/// <summary>Turns the errno of a failed libc call into the exception .NET code expects.</summary>
internal static class Errno
{
    internal const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EACCES = 13, EEXIST = 17, ENOTDIR = 20, EINVAL = 22, ERANGE = 34;

    /// <summary>EAGAIN/EWOULDBLOCK differs between Linux (11) and macOS (35).</summary>
    internal static int EAGAIN => OperatingSystem.IsMacOS() ? 35 : 11;

    internal static int Last => Marshal.GetLastPInvokeError();

    internal static Exception ToException(int errno, string operation, string? path = null)
    {
        var what = path is null ? operation : $"{operation} '{path}'";
        var message = $"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        return errno switch
        {
            EPERM or EACCES => new UnauthorizedAccessException(message),
            ENOENT when path is not null => new FileNotFoundException(message, path),
            ENOTDIR => new DirectoryNotFoundException(message),
            EINVAL or ERANGE => new ArgumentException(message),
            _ => new IOException(message, errno),
        };
    }

    internal static void ThrowIfError(int result, string operation, string? path = null)
    {
        if (result < 0) throw ToException(Last, operation, path);
    }
}
