using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>
/// Every filesystem location of an installation, resolved under an optional root prefix (like DESTDIR),
/// so tests can perform a real install into a temp directory. Shared by plan, status and uninstall.
/// </summary>
public sealed class InstallLayout
{
    public const string LaunchdLabel = "com.syrinx.kai";
    public const string SystemdUnitName = "kai.service";
    public const string RuntimeChecksumFileName = ".runtime.sha256";
    public const string PayloadManifestFileName = ".kai-manifest.json";
    public const string ModelsManifestFileName = ".models-manifest.json";
    public const string MigrationMarkerFileName = ".migrated";

    public InstallLayout(InstallConfig config, string? root = null)
    {
        Config = config;
        Root = string.IsNullOrEmpty(root) ? null : Path.GetFullPath(root);
        var userScope = config.Scope == InstallScope.CurrentUser;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        // Paths as the running service sees them (what goes into unit files and env).
        InstallDirectory = config.InstallDirectory;
        DataDirectory = config.DataDirectory;
        SecretsDirectory = userScope ? KaiPaths.UserConfigDirectory() : "/etc/kai";
        SudoersFile = "/etc/sudoers.d/kai";
        ServiceDefinition = (config.Platform, userScope) switch
        {
            (ServicePlatform.Linux, false) => "/etc/systemd/system/" + SystemdUnitName,
            (ServicePlatform.Linux, true) => Path.Combine(
                Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg) ? xdg : Path.Combine(home, ".config"),
                "systemd", "user", SystemdUnitName),
            (ServicePlatform.Darwin, false) => $"/Library/LaunchDaemons/{LaunchdLabel}.plist",
            (ServicePlatform.Darwin, true) => Path.Combine(home, "Library", "LaunchAgents", LaunchdLabel + ".plist"),
            _ => throw new ArgumentOutOfRangeException(nameof(config)),
        };
    }

    public InstallConfig Config { get; }
    public bool IsUserScope => Config.Scope == InstallScope.CurrentUser;
    /// <summary>The prefix everything is written under; null for the real filesystem.</summary>
    public string? Root { get; }

    public string InstallDirectory { get; }
    public string DataDirectory { get; }
    public string SecretsDirectory { get; }
    public string SudoersFile { get; }
    public string ServiceDefinition { get; }

    public string EnvFile => Path.Combine(SecretsDirectory, "env");
    public string ServicesYaml => Path.Combine(SecretsDirectory, "services.yaml");
    public string UsersYaml => Path.Combine(SecretsDirectory, "users.yaml");
    public string WorkspacesYaml => Path.Combine(SecretsDirectory, "workspaces.yaml");
    public string TotpSecret => Path.Combine(SecretsDirectory, "totp.secret");
    public string TotpAttempts => Path.Combine(SecretsDirectory, "totp.attempts");
    public string HomeDirectory => Path.Combine(InstallDirectory, "home");
    public string ModelsDirectory => Path.Combine(InstallDirectory, "models");
    public string RuntimeChecksumFile => Path.Combine(InstallDirectory, RuntimeChecksumFileName);
    public string PayloadManifest => Path.Combine(InstallDirectory, PayloadManifestFileName);
    public string ModelsManifest => Path.Combine(InstallDirectory, ModelsManifestFileName);
    public string BinDirectory => Path.Combine(InstallDirectory, "bin");
    public string KaiExecutable => Path.Combine(BinDirectory, "kai");
    public string MigrationMarker => Path.Combine(DataDirectory, MigrationMarkerFileName);
    public string LauncherScript => Path.Combine(InstallDirectory, "run.sh");
    public string Database => Path.Combine(DataDirectory, "kai.db");
    public string LogsDirectory => Path.Combine(DataDirectory, "logs");

    /// <summary>Where <paramref name="servicePath"/> actually is on disk (under <see cref="Root"/>).</summary>
    public string OnDisk(string servicePath) => KaiPaths.UnderRoot(Root, servicePath);
}
