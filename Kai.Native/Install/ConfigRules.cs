using System.Text.RegularExpressions;

namespace Kai.Native.Install;

/// <summary>
/// Value rules shared by install.conf and the YAML files. Each returns null when the value is fine,
/// else a message (without the field name, which the caller adds) that never repeats a secret value.
/// </summary>
public static partial class ConfigRules
{
    /// <summary>Directories an installer must never take over (a clean copy deletes what is not in the payload).</summary>
    private static readonly HashSet<string> s_systemDirectories = new(StringComparer.Ordinal)
    {
        "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media", "/mnt",
        "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/lib",
        "/usr/local", "/usr/local/bin", "/usr/sbin", "/usr/share", "/var", "/var/lib", "/var/log", "/var/tmp",
        "/etc/kai", "/Applications", "/Library", "/System", "/Users", "/Volumes", "/private", "/private/var",
        "/private/etc", "/private/tmp", "/opt/homebrew", "/nix", "/snap",
    };

    [GeneratedRegex(@"^[0-9]{1,20}:[A-Za-z0-9_-]{20,}$", RegexOptions.CultureInvariant)]
    private static partial Regex BotTokenShape();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,256}$", RegexOptions.CultureInvariant)]
    private static partial Regex TelegramSecretShape();

    [GeneratedRegex(@"^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex PosixUserName();

    /// <summary>The ports Telegram delivers webhooks to.</summary>
    public static readonly IReadOnlyList<int> TelegramWebhookPorts = new[] { 443, 80, 88, 8443 };

    public static bool IsUserName(string? name) =>
        name is not null && PosixUserName().IsMatch(name) && !name.All(char.IsAsciiDigit) && name != "." && name != "..";

    /// <summary>A POSIX account name (portable characters, not starting with '-', at most 32, not all digits).</summary>
    public static string? UserName(string? name, bool allowRoot = false)
    {
        if (string.IsNullOrEmpty(name)) return "is required.";
        if (!IsUserName(name))
            return $"'{Printable(name)}' is not a valid user name: use at most 32 letters, digits, '.', '_' or '-', not starting with '-' and not all digits.";
        if (!allowRoot && name == "root")
            return "must not be root: a protected installation runs the service as an unprivileged user.";
        return null;
    }

    /// <summary>An absolute path without '.', '..' or control characters (trailing slashes are removed by <see cref="NormalizePath"/>).</summary>
    public static string? AbsolutePath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "is required.";
        if (path.Any(char.IsControl)) return "contains control characters.";
        if (!path.StartsWith('/')) return $"must be an absolute path (starting with '/'), not '{path}'.";
        if (path.Split('/').Any(segment => segment is "." or ".."))
            return $"'{path}' must not contain '.' or '..' segments: write the real directory.";
        return null;
    }

    /// <summary>An absolute path that an installer may own outright (not '/', not a system directory).</summary>
    public static string? InstallRootPath(string? path)
    {
        if (AbsolutePath(path) is { } problem) return problem;
        if (s_systemDirectories.Contains(path!)) return $"'{path}' is a system directory; choose a directory of Kai's own (e.g. /opt/kai).";
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 1 && path == home.TrimEnd('/')) return $"'{path}' is a home directory; choose a directory of Kai's own inside it.";
        return null;
    }

    /// <summary>Collapses repeated and trailing slashes ("/opt//kai/" → "/opt/kai"); leaves relative paths relative.</summary>
    public static string NormalizePath(string path)
    {
        if (path.Length == 0) return path;
        var rooted = path.StartsWith('/');
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var joined = string.Join('/', parts);
        return rooted ? "/" + joined : joined;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="directory"/> or lies beneath it.</summary>
    public static bool IsSameOrUnder(string path, string directory) =>
        path == directory || directory == "/" || path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);

    public static string? BotToken(Secret? token)
    {
        if (token is null || token.IsEmpty) return "is required (the token @BotFather gave you).";
        return BotTokenShape().IsMatch(token.Reveal())
            ? null
            : "does not look like a Telegram bot token: expected digits, a colon, then at least 20 letters, digits, '-' or '_' (as @BotFather shows it).";
    }

    public static string? TelegramSecret(Secret? secret) =>
        secret is null || TelegramSecretShape().IsMatch(secret.Reveal())
            ? null
            : "must be 1 to 256 characters, each a letter, digit, '_' or '-' (Telegram's rule for webhook secrets).";

    /// <summary>A secret that goes into an HTTP header or an env file: printable, no whitespace.</summary>
    public static string? HeaderSafeSecret(Secret? secret, int minimumLength)
    {
        if (secret is null || secret.IsEmpty) return "is required.";
        var value = secret.Reveal();
        if (value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c > '~'))
            return "must contain only printable ASCII characters without spaces.";
        if (value.Length < minimumLength) return $"must be at least {minimumLength} characters long (it has {value.Length}).";
        return null;
    }

    /// <summary>Telegram's webhook rules: an absolute https URL with a host, on a port Telegram delivers to.</summary>
    public static string? WebhookUrl(string? url)
    {
        if (string.IsNullOrEmpty(url)) return "is required when the transport is webhook.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            return $"'{Printable(url)}' is not an absolute URL (e.g. https://kai.example.com/webhook).";
        if (uri.Scheme != Uri.UriSchemeHttps) return $"must use https (Telegram only delivers webhooks over HTTPS), not '{uri.Scheme}'.";
        if (uri.UserInfo.Length > 0) return "must not contain a user name or password.";
        if (uri.Fragment.Length > 0) return "must not contain a '#' fragment.";
        if (!TelegramWebhookPorts.Contains(uri.Port))
            return $"uses port {uri.Port}; Telegram delivers webhooks only to ports {string.Join(", ", TelegramWebhookPorts)}.";
        return null;
    }

    /// <summary>An http(s) URL for an external service (https, or http to the local machine).</summary>
    public static string? ServiceUrl(string? url)
    {
        if (string.IsNullOrEmpty(url)) return "is required.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return $"'{Printable(url)}' is not an absolute http(s) URL.";
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback) return "must use https (plain http is only allowed to localhost).";
        if (uri.UserInfo.Length > 0) return "must not contain a user name or password (put keys under auth).";
        return null;
    }

    /// <summary>Shows a value with control characters escaped, shortened when long.</summary>
    public static string Printable(string value)
    {
        var escaped = string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return escaped.Length > 80 ? escaped[..77] + "..." : escaped;
    }
}
