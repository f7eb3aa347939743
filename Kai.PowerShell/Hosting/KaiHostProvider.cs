using Kai.Native.Platform;
using Kai.Native.Sessions;

namespace Kai.PowerShell.Hosting;

/// <summary>
/// The session host the cmdlets act on: the embedded in-process host by default (created on first use),
/// or a running `kai serve` after Connect-KaiService. One per process, like PSReadLine's singleton:
/// sessions are process state, not runspace state.
/// </summary>
/// <remarks>
/// The embedded host follows <c>$env:KAI_DATA_DIR</c> (else the XDG data dir) at the time of each call:
/// every distinct data directory gets its own embedded host, created on first use and kept for the life
/// of the process. So <c>$env:KAI_DATA_DIR = '/tmp/k'</c> in pwsh switches to that store at once, and
/// hosted tests isolate themselves by giving each runspace its own KAI_DATA_DIR. A host whose data
/// directory has since been deleted is disposed the next time another one is created.
/// </remarks>
internal static class KaiHostProvider
{
    private static readonly object s_gate = new();
    private static readonly Dictionary<string, EmbeddedEntry> s_embedded = new(StringComparer.Ordinal);
    private static ISessionHost? s_current;

    /// <summary>The host cmdlets use now.</summary>
    public static ISessionHost Current
    {
        get
        {
            lock (s_gate) return s_current ?? EmbeddedFor(KaiPaths.UserDataDirectory());
        }
    }

    /// <summary>True when <see cref="Current"/> is a service connection.</summary>
    public static bool IsConnected
    {
        get
        {
            lock (s_gate) return s_current is not null && s_current is not EmbeddedSessionHost;
        }
    }

    /// <summary>The embedded host keeping its data in <paramref name="dataDirectory"/> (caller holds the lock).</summary>
    private static EmbeddedSessionHost EmbeddedFor(string dataDirectory)
    {
        if (s_embedded.TryGetValue(dataDirectory, out var entry)) return entry.Host;
        DropHostsOfDeletedDirectories();
        var host = new EmbeddedSessionHost(EmbeddedHostOptions.ForCurrentUser() with { DataDirectory = dataDirectory });
        s_embedded.Add(dataDirectory, new EmbeddedEntry(host) { SeenOnDisk = Directory.Exists(dataDirectory) });
        return host;
    }

    /// <summary>Releases hosts whose data directory existed once and has been deleted since (their store is gone).</summary>
    private static void DropHostsOfDeletedDirectories()
    {
        foreach (var (directory, entry) in s_embedded.ToList())
        {
            var exists = Directory.Exists(directory);
            entry.SeenOnDisk |= exists;
            if (exists || !entry.SeenOnDisk) continue;
            s_embedded.Remove(directory);
            // What is left to release are its shells and its database handle; its store is gone, so a
            // failure to flush it is expected and of no consequence. (Only BCL exception types here: this
            // assembly loads in the default context, the SQLite types only in the module's.)
            _ = Task.Run(async () =>
            {
                try
                {
                    await entry.Host.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Nothing to report to: no command is waiting on this host any more.
                }
            });
        }
    }

    private sealed class EmbeddedEntry(EmbeddedSessionHost host)
    {
        public EmbeddedSessionHost Host { get; } = host;
        public bool SeenOnDisk { get; set; }
    }

    /// <summary>Connect-KaiService: from now on cmdlets act on <paramref name="host"/>. Returns the previous connection (to dispose).</summary>
    public static ISessionHost? Use(ISessionHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        lock (s_gate)
        {
            var previous = s_current is EmbeddedSessionHost ? null : s_current;
            s_current = host;
            return previous;
        }
    }

    /// <summary>Disconnect-KaiService: back to the embedded host. Returns the connection that was dropped.</summary>
    public static ISessionHost? UseEmbedded()
    {
        lock (s_gate)
        {
            var previous = s_current is EmbeddedSessionHost ? null : s_current;
            s_current = null;
            return previous;
        }
    }
}
