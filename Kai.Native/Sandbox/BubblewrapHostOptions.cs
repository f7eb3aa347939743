namespace Kai.Native.Sandbox;

/// <summary>
/// Where the bubblewrap backend looks for what it needs. Every path is injectable so each way the sandbox can be
/// unavailable (no bwrap, user namespaces off, an AppArmor restriction) is testable without changing the machine.
/// </summary>
public sealed record BubblewrapHostOptions
{
    /// <summary>An explicit bwrap binary; null searches <see cref="SearchDirectories"/>.</summary>
    public string? BinaryPath { get; init; }
    /// <summary>Where to look for bwrap; null means /usr/bin, /usr/local/bin, /bin, then $PATH.</summary>
    public IReadOnlyList<string>? SearchDirectories { get; init; }
    public string UnprivilegedUsernsClonePath { get; init; } = "/proc/sys/kernel/unprivileged_userns_clone";
    public string MaxUserNamespacesPath { get; init; } = "/proc/sys/user/max_user_namespaces";
    public string AppArmorRestrictPath { get; init; } = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns";
    /// <summary>The loaded AppArmor profiles (one "name (mode)" per line).</summary>
    public string AppArmorProfilesPath { get; init; } = "/sys/kernel/security/apparmor/profiles";
    /// <summary>The uid bwrap runs as; null is this process's effective uid.</summary>
    public uint? HostUid { get; init; }
    public uint? HostGid { get; init; }
    /// <summary>Start one real sandbox (`bwrap … true`) when probing, the final word on availability.</summary>
    public bool RunSmokeTest { get; init; } = true;
    /// <summary>Where cgroup file systems are mounted (a process limit for root needs the pids controller).</summary>
    public string CgroupRoot { get; init; } = "/sys/fs/cgroup";
    public string SelfCgroupPath { get; init; } = "/proc/self/cgroup";
    /// <summary>Size of each private scratch tmpfs (the sandbox cannot fill the host's memory through /tmp).</summary>
    public long ScratchSizeBytes { get; init; } = 1L << 30;

    internal uint EffectiveUid => HostUid ?? Platform.UnixAccounts.EffectiveUserId;
    internal uint EffectiveGid => HostGid ?? Platform.UnixAccounts.EffectiveGroupId;

    internal IReadOnlyList<string> Directories()
    {
        if (SearchDirectories is not null) return SearchDirectories;
        var list = new List<string> { "/usr/bin", "/usr/local/bin", "/bin" };
        var path = Environment.GetEnvironmentVariable("PATH");
        if (!string.IsNullOrEmpty(path)) list.AddRange(path.Split(':', StringSplitOptions.RemoveEmptyEntries).Where(p => p.StartsWith('/')));
        return list.Distinct(StringComparer.Ordinal).ToList();
    }
}
