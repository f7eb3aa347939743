using Kai.Native.Platform;

namespace Kai.Native.Sessions;

/// <summary>
/// Input for one persistent-shell command: a named pipe in the session's control dir that the command's
/// stdin is redirected from, fed by a thread of ours — a real pipe (not a seekable file), of any size,
/// ending in EOF. When the command ends without opening or draining it, <see cref="Dispose"/> unblocks
/// the feeder (it gets EPIPE) and removes the pipe.
/// </summary>
internal sealed class InputFifo : IDisposable
{
    private readonly Thread _feeder;
    private int _disposed;

    public InputFifo(string directory, byte[] input)
    {
        Path = System.IO.Path.Combine(directory, $"stdin-{Guid.NewGuid():N}");
        Errno.ThrowIfError(Interop.MkFifo(Path, Convert.ToUInt32("600", 8)), "mkfifo", Path);
        _feeder = new Thread(() => Feed(input)) { IsBackground = true, Name = "kai-stdin" };
        _feeder.Start();
    }

    public string Path { get; }

    private void Feed(byte[] input)
    {
        // Blocks until the command's redirection opens the other end (or Dispose does).
        var fd = Interop.Open(Path, Interop.O_WRONLY | Interop.O_CLOEXEC);
        if (fd < 0) return;
        try
        {
            Interop.WriteAll(fd, input);
        }
        catch (IOException)
        {
            // The reader is gone; nothing more to give.
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_feeder.IsAlive)
        {
            // Open and close the read end: a feeder blocked in open() gets through, one blocked in write() gets EPIPE.
            var reader = Interop.Open(Path, Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_CLOEXEC);
            if (reader >= 0) Interop.Close(reader);
            _feeder.Join(TimeSpan.FromSeconds(5));
        }
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
    }
}
