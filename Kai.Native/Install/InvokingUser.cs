using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>
/// The person behind this process: under sudo that is SUDO_USER (so install.conf stays theirs and
/// '~' means their home), otherwise the current account.
/// </summary>
public static class InvokingUser
{
    /// <summary>SUDO_UID/SUDO_GID when running as root under sudo for another user; null otherwise.</summary>
    public static (uint Uid, uint Gid)? SudoOwner(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!UnixAccounts.IsRoot) return null;
        if (!uint.TryParse(environment("SUDO_UID"), out var uid) || uid == 0) return null;
        if (!uint.TryParse(environment("SUDO_GID"), out var gid)) return null;
        return (uid, gid);
    }

    /// <summary>The invoking user's home directory (SUDO_USER's under sudo).</summary>
    public static string HomeDirectory()
    {
        if (UnixAccounts.IsRoot && Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudoUser && sudoUser != "root"
            && UnixAccounts.FindUser(sudoUser) is { Home.Length: > 0 } user)
            return user.Home;
        return Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
    }

    /// <summary>The invoking user's account name (SUDO_USER's under sudo).</summary>
    public static string Name()
    {
        if (UnixAccounts.IsRoot && Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudoUser)
            return sudoUser;
        return UnixAccounts.CurrentUserName;
    }

    /// <summary>Expands a leading "~" or "~/" to <paramref name="home"/> (default: the invoking user's home).</summary>
    public static string ExpandHome(string path, string? home = null)
    {
        if (path == "~") return home ?? HomeDirectory();
        if (path.StartsWith("~/", StringComparison.Ordinal)) return Path.Join(home ?? HomeDirectory(), path[2..]);
        return path;
    }
}
