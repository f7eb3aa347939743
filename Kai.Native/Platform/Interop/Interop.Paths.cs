using System.Runtime.InteropServices;

namespace Kai.Native.Platform;

internal static partial class Interop
{
    [LibraryImport(LibC, EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport(LibC, EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    /// <summary>realpath(3): every symlink resolved; null (with errno) when the path does not exist.</summary>
    internal static string? RealPath(string path, out int errno)
    {
        var result = RealPathNative(path, IntPtr.Zero);
        if (result == IntPtr.Zero)
        {
            errno = Errno.Last;
            return null;
        }
        try
        {
            errno = 0;
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            Free(result);
        }
    }

    internal const int R_OK = 4, X_OK = 1;

    /// <summary>open(2) without O_CLOEXEC: a descriptor a spawned child would inherit (the sandbox preflight proves it does not).</summary>
    internal static int OpenInheritable(string path) => Open(path, O_RDONLY);
}
