namespace Kai.Native.Install;

/// <summary>
/// Everything the generated service definition, launcher and sudoers file say, decided once by the planner
/// (paths as the running service sees them, never under the -Root prefix).
/// </summary>
public sealed record ServiceSettings
{
    public required string ServiceUser { get; init; }
    public required string ServiceGroup { get; init; }
    public required string ServiceHome { get; init; }
    public required string InstallDirectory { get; init; }
    public required string DataDirectory { get; init; }
    public required string HomeDirectory { get; init; }
    public required string EnvFile { get; init; }
    public required string Executable { get; init; }
    public required string ClaudeBinary { get; init; }
    public string? DotnetRoot { get; init; }
    /// <summary>The unit hands the env file over with LoadCredential= (systemd 247+).</summary>
    public bool UseCredentials { get; init; }
    /// <summary>The service runs sudo (user separation, or `sudo cat` for its secrets): options that imply NoNewPrivileges stay off.</summary>
    public bool NeedsSudo { get; init; }
    /// <summary>bubblewrap is setuid root here: no_new_privs would stop it, like sudo.</summary>
    public bool SetuidSandbox { get; init; }
    /// <summary>Directories the service writes besides its data directory (its home, workspaces, separate users' homes).</summary>
    public IReadOnlyList<string> WritablePaths { get; init; } = Array.Empty<string>();
    public bool UserScope { get; init; }
    public string LauncherScript { get; init; } = "";

    /// <summary>PATH of the service: the service user's ~/.local/bin first (where claude lives), then the system's.</summary>
    public string SearchPath => string.Join(':', new[]
    {
        Path.Combine(ServiceHome, ".local", "bin"), "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
    }.Concat(OperatingSystem.IsMacOS() ? ["/opt/homebrew/bin"] : Array.Empty<string>()).Distinct(StringComparer.Ordinal));

    /// <summary>The non-secret environment the service definition sets (secrets stay in the env file).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment
    {
        get
        {
            var list = new List<KeyValuePair<string, string>>
            {
                new(EnvKeys.DataDirectory, DataDirectory),
                new(EnvKeys.InstallDirectory, InstallDirectory),
                new("PATH", SearchPath),
                new(EnvKeys.ClaudeBinary, ClaudeBinary),
            };
            if (DotnetRoot is not null) list.Add(new("DOTNET_ROOT", DotnetRoot));
            // A user's own install reads its 0600 env file directly; system installs use credentials or sudo.
            if (UserScope) list.Add(new("KAI_ENV_FILE", EnvFile));
            return list;
        }
    }
}
