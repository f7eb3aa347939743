using System.Runtime.InteropServices;

namespace Kai.Native.Platform;

internal static partial class Interop
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    internal const short POLLIN = 0x1, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;

    [LibraryImport(LibC, EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(LibC, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(LibC, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    /// <summary>Linux: resize a pipe's kernel buffer (fewer wake-ups when a command streams a lot).</summary>
    internal const int F_SETPIPE_SZ = 1031;

    [LibraryImport(LibC, EntryPoint = "clock_gettime", SetLastError = true)]
    private static unsafe partial int ClockGetTime(int clock, long* timespec);

    private const int CLOCK_BOOTTIME = 7;

    /// <summary>Nanoseconds since boot (the clock /proc/&lt;pid&gt;/stat start times count in).</summary>
    internal static unsafe long BootTimeNanoseconds()
    {
        long* ts = stackalloc long[2];
        Errno.ThrowIfError(ClockGetTime(CLOCK_BOOTTIME, ts), "clock_gettime");
        return ts[0] * 1_000_000_000L + ts[1];
    }

    /// <summary>
    /// Reads what is available from <paramref name="fd"/> into <paramref name="buffer"/>:
    /// the byte count, 0 at end of file, -1 when nothing is available right now (EAGAIN).
    /// </summary>
    internal static unsafe int ReadAvailable(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Read(fd, p, buffer.Length);
                if (n >= 0) return (int)n;
                var errno = Errno.Last;
                if (errno == Errno.EINTR) continue;
                if (errno == Errno.EAGAIN) return -1;
                throw Errno.ToException(errno, "read");
            }
        }
    }

    [LibraryImport(LibC, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport(LibC, EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MkFifo(string path, uint mode);

    internal const int O_WRONLY = 1;
    internal static int O_NONBLOCK => IsMacOS ? 0x4 : 0x800;
    internal static int O_CLOEXEC => IsMacOS ? 0x1000000 : 0x80000;
    internal const int EPIPE = 32;

    /// <summary>Writes all of <paramref name="data"/>; false when the reader went away (EPIPE) first.</summary>
    internal static unsafe bool WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            var offset = 0;
            while (offset < data.Length)
            {
                var n = Write(fd, start + offset, data.Length - offset);
                if (n >= 0)
                {
                    offset += (int)n;
                    continue;
                }
                var errno = Errno.Last;
                if (errno == Errno.EINTR) continue;
                if (errno == EPIPE) return false;
                throw Errno.ToException(errno, "write");
            }
        }
        return true;
    }
}
