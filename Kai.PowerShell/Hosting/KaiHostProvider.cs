using Kai.Native.Sessions;

namespace Kai.PowerShell.Hosting;

/// <summary>
/// The session host the cmdlets act on: the embedded in-process host by default (created on first use),
/// or a running `kai serve` after Connect-KaiService. One per process, like PSReadLine's singleton:
/// sessions are process state, not runspace state.
/// </summary>
internal static class KaiHostProvider
{
    private static readonly object s_gate = new();
    private static ISessionHost? s_current;
    private static EmbeddedSessionHost? s_embedded;

    /// <summary>The host cmdlets use now.</summary>
    public static ISessionHost Current
    {
        get
        {
            lock (s_gate) return s_current ??= Embedded;
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

    private static EmbeddedSessionHost Embedded => s_embedded ??= new EmbeddedSessionHost(EmbeddedHostOptions.ForCurrentUser());

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
