using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>
/// Starting values of a new install.conf: seed 000's defaults for a system install; for a per-user
/// install, XDG locations in the invoking user's home and that user as the service user.
/// </summary>
public static class InstallConfigDefaults
{
    public static InstallConfig For(InstallScope scope) => scope == InstallScope.AllUsers
        ? new InstallConfig()
        : new InstallConfig
        {
            Scope = InstallScope.CurrentUser,
            InstallDirectory = UserInstallDirectory(),
            DataDirectory = UserDataDirectory(),
            ServiceUser = InvokingUser.Name(),
        };

    /// <summary>
    /// Moves a config to another scope: paths and service user that still hold the old scope's defaults
    /// take the new scope's defaults; anything the user chose stays.
    /// </summary>
    public static InstallConfig Rescope(InstallConfig config, InstallScope scope)
    {
        if (config.Scope == scope) return config;
        var from = For(config.Scope);
        var to = For(scope);
        return config with
        {
            Scope = scope,
            InstallDirectory = config.InstallDirectory == from.InstallDirectory ? to.InstallDirectory : config.InstallDirectory,
            DataDirectory = config.DataDirectory == from.DataDirectory ? to.DataDirectory : config.DataDirectory,
            ServiceUser = config.ServiceUser == from.ServiceUser ? to.ServiceUser : config.ServiceUser,
        };
    }

    /// <summary>$XDG_DATA_HOME/kai (the embedded host's data directory too).</summary>
    private static string UserDataDirectory() =>
        KaiPaths.UserDataDirectory(new Dictionary<string, string?>
        {
            ["XDG_DATA_HOME"] = Environment.GetEnvironmentVariable("XDG_DATA_HOME"),
            ["HOME"] = InvokingUser.HomeDirectory(),
        });

    /// <summary>~/.local/lib/kai: the program files, kept apart from the data.</summary>
    private static string UserInstallDirectory() => Path.Combine(InvokingUser.HomeDirectory(), ".local", "lib", "kai");
}
