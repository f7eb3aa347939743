using Kai.Native.Store;

namespace Kai.Native.Sessions;

/// <summary>
/// A session opened by this host: its record, an exclusive lock on it (one host process per session),
/// the gate that runs its persistent-shell commands one at a time, its live shell if any, and the
/// state a replacement shell gets back.
/// </summary>
internal sealed class SessionRuntime : IDisposable
{
    private FileStream? _lock;

    public SessionRuntime(SessionRecord record, SessionPaths paths, FileStream sessionLock)
    {
        Record = record;
        Paths = paths;
        _lock = sessionLock;
        WorkingDirectory = record.LastWorkingDirectory;
        Exports = record.ExportedEnvironment;
        _commandCount = record.CommandCount;
        LastUsed = record.LastUsed;
        HasHistory = record.CommandCount > 0;
    }

    public string Name => Record.Name;
    public SessionRecord Record { get; }
    public SessionPaths Paths { get; }
    /// <summary>Persistent-shell commands of this session run one at a time, in arrival order.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);
    public ShellLaunch? Launch { get; set; }
    public PersistentShell? Shell { get; set; }
    /// <summary>The cwd and exports (already filtered and redacted) a new shell starts with.</summary>
    public string? WorkingDirectory { get; set; }
    public string? Exports { get; set; }
    private int _commandCount;
    public int CommandCount => Volatile.Read(ref _commandCount);
    /// <summary>Counts a command (fresh and background ones finish on other threads than the session's own).</summary>
    public void CountCommand() => Interlocked.Increment(ref _commandCount);
    public DateTimeOffset? LastUsed { get; set; }
    public bool Busy { get; set; }
    /// <summary>The session ran commands before (in this process or an earlier one): a new shell is a restart.</summary>
    public bool HasHistory { get; set; }
    /// <summary>A new shell replaced an earlier one and the next result has not said so yet.</summary>
    public bool RestartPending { get; set; }
    public bool Closed { get; private set; }

    /// <summary>Opens (creating if needed) and exclusively locks sessions/&lt;name&gt;/lock; null when another process holds it.</summary>
    public static FileStream? TryLock(SessionPaths paths)
    {
        Directory.CreateDirectory(paths.Root);
        try
        {
            // .NET takes an exclusive flock(2) for FileShare.None: released by the kernel if this process dies.
            return new FileStream(Path.Combine(paths.Root, "lock"), new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void ReleaseLock() => Interlocked.Exchange(ref _lock, null)?.Dispose();

    public void Dispose()
    {
        Closed = true;
        Shell?.Dispose();
        Shell = null;
        Interlocked.Exchange(ref _lock, null)?.Dispose();
    }
}
