using System.Runtime.InteropServices;

namespace Kai.Native.Platform;

internal static partial class Interop
{
    [LibraryImport(LibC, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    internal const int SIGINT = 2, SIGKILL = 9, SIGTERM = 15;
}
