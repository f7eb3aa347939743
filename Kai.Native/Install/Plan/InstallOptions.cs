using Kai.Native.Platform.Services;

namespace Kai.Native.Install;

/// <summary>How to run an install (everything beyond install.conf itself).</summary>
public sealed record InstallOptions
{
    /// <summary>Install under this prefix (like DESTDIR); null for the real filesystem.</summary>
    public string? Root { get; init; }
    /// <summary>The Kai distribution to install (holds bin/kai and Kai/); null = the one this code was loaded from.</summary>
    public string? SourcePath { get; init; }
    /// <summary>Overrides install.conf's scope.</summary>
    public InstallScope? Scope { get; init; }
    /// <summary>Where install.conf lives: services.yaml, users.yaml, workspaces.yaml and a development layout are looked for here.</summary>
    public string? ConfigDirectory { get; init; }
    /// <summary>A development data directory (kai.db, logs/) to migrate on the first install; default: <see cref="ConfigDirectory"/>.</summary>
    public string? MigrateFrom { get; init; }
    /// <summary>Run only steps whose name matches one of these (wildcards allowed); null or empty = all.</summary>
    public IReadOnlyList<string>? Steps { get; init; }
    /// <summary>The service manager to drive; null = systemd/launchd (or a stand-in that says why it cannot be used).</summary>
    public IServiceManager? ServiceManager { get; init; }
    /// <summary>visudo to validate the sudoers file with; null = /usr/sbin/visudo or PATH.</summary>
    public string? VisudoPath { get; init; }
    /// <summary>How often, and how far apart, the start step checks that the service really runs.</summary>
    public int ServiceStartAttempts { get; init; } = 5;
    public TimeSpan ServiceStartInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Uninstall only: also remove the data directory / the secrets.</summary>
    public bool RemoveData { get; init; }
    public bool RemoveSecrets { get; init; }
}
