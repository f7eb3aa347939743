namespace Kai.Native.Service;

/// <summary>Where a running `kai serve` can be found on this machine.</summary>
public static class ServicePaths
{
    public const string SocketFileName = "kai.sock";
    /// <summary>
    /// Beside the socket: a random per-boot token (mode 0640, the socket's group) that the service accepts
    /// as the bearer secret on the Unix socket only. Whoever may connect to the socket (mode 0660) may read it;
    /// over TCP only the real API secret works.
    /// </summary>
    public const string SocketTokenFileName = "kai.sock.token";
    public const string SystemDataDirectory = "/var/lib/kai";

    public static string SocketPath(string dataDirectory) => Path.Combine(dataDirectory, SocketFileName);
    public static string TokenPath(string socketPath) => socketPath + ".token";

    /// <summary>
    /// Sockets to try, most specific first: $KAI_DATA_DIR/kai.sock, then /var/lib/kai/kai.sock.
    /// KAI_SERVICE=off turns detection off (always the embedded host).
    /// </summary>
    public static IReadOnlyList<string> Candidates(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var list = new List<string>();
        if (string.Equals(environment("KAI_SERVICE"), "off", StringComparison.OrdinalIgnoreCase)) return list;
        if (environment("KAI_DATA_DIR") is { Length: > 0 } data) list.Add(SocketPath(Path.GetFullPath(data)));
        var system = SocketPath(SystemDataDirectory);
        if (!list.Contains(system)) list.Add(system);
        return list;
    }
}
