using System.Runtime.InteropServices;

namespace Kai.Native.Platform;

/// <summary>
/// Every POSIX call the engine makes lives in this partial class (one file per area).
/// Failures come back as errno and are turned into typed exceptions by <see cref="Errno"/>.
/// </summary>
internal static partial class Interop
{
    internal const string LibC = "libc";

    internal static bool IsLinux => OperatingSystem.IsLinux();
    internal static bool IsMacOS => OperatingSystem.IsMacOS();
}
