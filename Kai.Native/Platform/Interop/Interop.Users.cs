using System.Runtime.InteropServices;

namespace Kai.Native.Platform;

internal static partial class Interop
{
    [LibraryImport(LibC, EntryPoint = "geteuid")]
    internal static partial uint GetEUid();

    [LibraryImport(LibC, EntryPoint = "getegid")]
    internal static partial uint GetEGid();

    [LibraryImport(LibC, EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int GetPwNamR(string name, byte* pwd, byte* buffer, nuint bufferLength, byte** result);

    [LibraryImport(LibC, EntryPoint = "getpwuid_r")]
    internal static unsafe partial int GetPwUidR(uint uid, byte* pwd, byte* buffer, nuint bufferLength, byte** result);

    [LibraryImport(LibC, EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int GetGrNamR(string name, byte* grp, byte* buffer, nuint bufferLength, byte** result);

    [LibraryImport(LibC, EntryPoint = "getgrgid_r")]
    internal static unsafe partial int GetGrGidR(uint gid, byte* grp, byte* buffer, nuint bufferLength, byte** result);

    [LibraryImport(LibC, EntryPoint = "getgrouplist", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int GetGroupList(string user, uint group, uint* groups, int* count);
}
