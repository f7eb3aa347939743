using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>An OS account the service runs Claude as (user separation), and where it was configured.</summary>
public sealed record SeparateUser(string Name, string ConfiguredBy, UnixUser? Account);

/// <summary>
/// What the machine looks like, probed once before planning: who runs the install, the service account, the
/// claude binary (detected once: the same path goes to sudoers and to the service environment), the .NET
/// runtime, the systemd version. The plan is a pure function of config, layout, options and these facts,
/// so tests can hand in facts of their own.
/// </summary>
public sealed record InstallFacts
{
    public required bool IsRoot { get; init; }
    public required UnixUser InstallingUser { get; init; }
    /// <summary>The account the service runs as; null when it does not exist (the planner then refuses).</summary>
    public required UnixUser? ServiceAccount { get; init; }
    public required string ServiceUserName { get; init; }
    public IReadOnlyList<SeparateUser> SeparateUsers { get; init; } = Array.Empty<SeparateUser>();
    public required string ClaudeBinary { get; init; }
    public required bool ClaudeBinaryFound { get; init; }
    /// <summary>The .NET install (holds `dotnet` and shared/) the service's kai executable runs on; null when none was found.</summary>
    public string? DotnetRoot { get; init; }
    /// <summary>systemd's major version (LoadCredential= needs 247+); null when unknown.</summary>
    public int? SystemdVersion { get; init; }
    /// <summary>The cat the sudoers rule lets the service run as root to read its env file.</summary>
    public string CatPath { get; init; } = "/usr/bin/cat";
    /// <summary>bubblewrap is installed setuid root (distributions without unprivileged user namespaces): it then needs privileges the service must be able to gain.</summary>
    public bool SetuidSandbox { get; init; }
    /// <summary>The version of the payload being installed.</summary>
    public string PayloadVersion { get; init; } = "0.0.0";

    /// <summary>systemd passes the env file to the service as a credential (LoadCredential=, systemd 247+).</summary>
    public bool SystemdCredentials => SystemdVersion is null or >= 247;
}
