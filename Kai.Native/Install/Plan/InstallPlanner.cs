using System.Text;
using Kai.Native.Platform;
using Kai.Native.Platform.Services;

namespace Kai.Native.Install;

/// <summary>
/// Plan, then apply: turns install.conf into the ordered steps of the seed (stop → directories → payload →
/// runtime → models → secrets and yaml → sudoers → migration → service definition → start). Planning reads
/// and validates everything (config, yaml, users, source) and changes nothing, so bad input stops the run
/// before any step touches the machine.
/// </summary>
public static class InstallPlanner
{
    private static readonly UnixFileMode Mode755 = (UnixFileMode)0b111_101_101;
    private static readonly UnixFileMode Mode750 = (UnixFileMode)0b111_101_000;
    private static readonly UnixFileMode Mode700 = (UnixFileMode)0b111_000_000;
    private static readonly UnixFileMode Mode644 = (UnixFileMode)0b110_100_100;
    private static readonly UnixFileMode Mode600 = (UnixFileMode)0b110_000_000;
    private static readonly UnixFileMode Mode440 = (UnixFileMode)0b100_100_000;

    /// <summary>The uid/gid a plan uses for an account that does not exist (applying is then blocked).</summary>
    private const uint MissingId = uint.MaxValue - 1;

    public static readonly IReadOnlyList<string> ConfigYamlFiles = ["services.yaml", "users.yaml", "workspaces.yaml"];

    /// <summary>Every step name an install plan can hold, in plan order (for -Step / --step and its completion).</summary>
    public static readonly IReadOnlyList<string> StepNames =
    [
        "StopService", "Directory", "File", "CopyPayload", "RefreshRuntime", "CopyModels", "WriteSecrets", "WriteConfig",
        "WriteSudoers", "MigrateData", "WriteLauncher", "WriteServiceDefinition", "ReloadServiceManager", "StartService",
    ];

    /// <summary>Probes the machine, locates the payload and plans.</summary>
    public static InstallPlan Create(InstallConfig config, InstallOptions options)
    {
        config = options.Scope is { } scope ? InstallConfigDefaults.Rescope(config, scope) : config;
        ValidateConfig(config);
        var layout = new InstallLayout(config, options.Root);
        var payload = InstallPayload.Locate(options.SourcePath);
        var users = LoadUsers(layout, options);
        var facts = InstallProbe.Probe(config, InstallProbe.SeparateUsers(config, users), payload.Version);
        return Plan(config, layout, options, facts, payload);
    }

    /// <summary>The plan for <paramref name="config"/> on a machine described by <paramref name="facts"/>. Reads inputs, changes nothing.</summary>
    public static InstallPlan Plan(InstallConfig config, InstallLayout layout, InstallOptions options, InstallFacts facts, InstallPayload payload)
    {
        ValidateConfig(config);
        var notes = new List<string>();
        var blockers = new List<KaiException>();
        var (settings, serviceOwner, rootOwner) = Settings(config, layout, facts, notes, blockers);
        var context = new InstallContext(layout, facts, options, ChooseServiceManager(layout, options, facts));
        string D(string path) => layout.OnDisk(path);
        var userScope = layout.IsUserScope;
        var steps = new List<InstallStep>();

        // 1. Stop the service (only when something will change).
        var serviceName = context.ServiceManager.ServiceName;
        steps.Add(new StopServiceStep(serviceName));

        // 2. Directories, with the seed's owners and modes.
        steps.Add(new DirectoryStep(D(layout.InstallDirectory), rootOwner, Mode755));
        steps.Add(new DirectoryStep(D(layout.HomeDirectory), serviceOwner, Mode755));
        steps.Add(new DirectoryStep(D(layout.DataDirectory), serviceOwner, Mode755));
        foreach (var sub in new[] { "logs", "files", "history", "memory", ".responding" })
            steps.Add(new DirectoryStep(D(Path.Combine(layout.DataDirectory, sub)), serviceOwner, Mode755));
        steps.Add(new EnsureFileStep(D(Path.Combine(layout.DataDirectory, "memory", "MEMORY.md")), serviceOwner, Mode644));
        steps.Add(new DirectoryStep(D(layout.SecretsDirectory), rootOwner, userScope ? Mode700 : Mode755));

        // 3. The payload, 4. its runtime, 5. models.
        steps.Add(new CopyTreeStep("CopyPayload", payload.Directory, D(layout.InstallDirectory), D(layout.PayloadManifest), () => payload.Manifest, "the Kai distribution"));
        steps.Add(new RuntimeStep(D(layout.BinDirectory), D(layout.RuntimeChecksumFile),
            () => DotnetRuntime.Checksum(payload.BinDirectory, facts.DotnetRoot), facts.DotnetRoot, D(layout.KaiExecutable)));
        if (payload.HasModels || File.Exists(D(layout.ModelsManifest)))
        {
            steps.Add(new CopyTreeStep("CopyModels", payload.ModelsDirectory, D(layout.ModelsDirectory), D(layout.ModelsManifest),
                () => payload.Models ?? new PayloadManifest { Version = payload.Version }, "the model files (whisper, Piper)"));
        }

        // 6. Secrets and per-user/workspace/service yaml.
        var envText = ServiceEnvironmentFile.Render(config, settings);
        steps.Add(new WriteFileStep("WriteSecrets", D(layout.EnvFile), "Write the service environment with its secrets", Encoding.UTF8.GetBytes(envText),
            rootOwner, Mode600, sensitive: true, parentMode: userScope ? Mode700 : Mode755));
        if (options.ConfigDirectory is { } configDirectory)
        {
            foreach (var name in ConfigYamlFiles)
            {
                var source = Path.Combine(configDirectory, name);
                if (!File.Exists(source)) continue;
                var bytes = File.ReadAllBytes(source);
                ConfigYaml.Validate(source);
                steps.Add(new WriteFileStep("WriteConfig", D(Path.Combine(layout.SecretsDirectory, name)), $"Copy {name} (validated)", bytes,
                    rootOwner, Mode600, sensitive: true, parentMode: userScope ? Mode700 : Mode755));
            }
        }

        // 7. sudoers (system installs): validated with visudo before it is moved in.
        if (!userScope)
        {
            var sudoers = SudoersFile.Render(settings.ServiceUser, facts.CatPath, settings.EnvFile, settings.ClaudeBinary,
                facts.SeparateUsers.Select(u => u.Name).Where(n => n != settings.ServiceUser));
            steps.Add(new WriteFileStep("WriteSudoers", D(layout.SudoersFile), "Write the sudoers rules (checked with visudo -cf)",
                Encoding.UTF8.GetBytes(sudoers), FileOwner.Root, Mode440, parentMode: Mode750, validate: (temp, ctx) => Sudoers.Validate(temp, ctx.Options.VisudoPath)));
        }

        // 8. First-install migration of a development layout.
        var devDirectory = options.MigrateFrom ?? options.ConfigDirectory;
        if (devDirectory is not null && Path.GetFullPath(devDirectory) != Path.GetFullPath(D(layout.DataDirectory))
            && (File.Exists(Path.Combine(devDirectory, "kai.db")) || Directory.Exists(Path.Combine(devDirectory, "logs"))))
        {
            steps.Add(new MigrationStep(Path.GetFullPath(devDirectory), D(layout.DataDirectory), serviceOwner));
        }

        // 9. Service definition, 10. start.
        var logHint = config.Platform == ServicePlatform.Linux
            ? $"journalctl {(userScope ? "--user " : "")}-u {InstallLayout.SystemdUnitName} -n 50 and {Path.Combine(layout.LogsDirectory, "kai.log")}"
            : Path.Combine(layout.LogsDirectory, "kai.err.log");
        if (config.Platform == ServicePlatform.Linux)
        {
            var unit = new WriteFileStep("WriteServiceDefinition", D(layout.ServiceDefinition), "Write the systemd unit",
                Encoding.UTF8.GetBytes(SystemdUnit.Render(settings)), rootOwner, Mode644);
            steps.Add(unit);
            steps.Add(new ReloadServiceManagerStep(serviceName, unit));
        }
        else
        {
            steps.Add(new WriteFileStep("WriteLauncher", D(layout.LauncherScript), "Write the launchd launcher run.sh",
                Encoding.UTF8.GetBytes(LauncherScript.Render(settings)), rootOwner, Mode755));
            steps.Add(new WriteFileStep("WriteServiceDefinition", D(layout.ServiceDefinition), "Write the launchd property list",
                Encoding.UTF8.GetBytes(LaunchdPlist.Render(settings, InstallLayout.LaunchdLabel)), rootOwner, Mode644));
        }
        steps.Add(new StartServiceStep(serviceName, logHint));

        return new InstallPlan(config, layout, facts, options, payload, settings, steps, context, notes) { Blockers = blockers };
    }

    /// <summary>The account, paths and service settings every generated file agrees on.</summary>
    internal static (ServiceSettings Settings, FileOwner Service, FileOwner Root) Settings(InstallConfig config, InstallLayout layout, InstallFacts facts,
        List<string> notes, List<KaiException> blockers)
    {
        var userScope = layout.IsUserScope;
        // A missing account blocks applying (before any change) but not previewing: the plan then names it.
        if (facts.ServiceAccount is null)
        {
            var missing = new KaiException("ServiceUserNotFound", KaiErrorKind.ObjectNotFound,
                $"The service user '{facts.ServiceUserName}' does not exist on this machine. Nothing was changed.", facts.ServiceUserName)
            {
                RecommendedAction = $"Create it (e.g. useradd --system --create-home --shell /usr/sbin/nologin {facts.ServiceUserName}) or set another ServiceUser in install.conf.",
            };
            blockers.Add(missing);
            notes.Add($"The service user '{facts.ServiceUserName}' does not exist yet: create it before applying (useradd --system --create-home --shell /usr/sbin/nologin {facts.ServiceUserName}).");
        }
        var account = facts.ServiceAccount ?? new UnixUser(facts.ServiceUserName, MissingId, MissingId, "/nonexistent", "/usr/sbin/nologin");
        if (!userScope && account.Uid == 0)
            throw new KaiException("InvalidServiceUser", KaiErrorKind.InvalidArgument,
                $"The service user '{account.Name}' is root: the protected installation runs the service as an unprivileged user.", account.Name);
        foreach (var user in facts.SeparateUsers)
        {
            if (user.Account is null)
            {
                blockers.Add(new KaiException("ClaudeUserNotFound", KaiErrorKind.ObjectNotFound,
                    $"The user '{user.Name}' ({user.ConfiguredBy}) does not exist on this machine. Nothing was changed.", user.Name)
                {
                    RecommendedAction = $"Create it (useradd --create-home {user.Name}) or change {user.ConfiguredBy}.",
                });
                notes.Add($"The user '{user.Name}' ({user.ConfiguredBy}) does not exist yet: create it before applying.");
            }
            else if (user.Account.Uid == 0)
                throw new KaiException("InvalidUserName", KaiErrorKind.InvalidArgument,
                    $"'{user.Name}' ({user.ConfiguredBy}) is root: running Claude as root defeats user separation.", user.Name);
            SudoersFile.CheckUserName(user.Name);
            if (user.Name == account.Name) notes.Add($"{user.ConfiguredBy} names the service user itself: no sudo rule is generated for it.");
        }
        if (userScope && facts.SeparateUsers.Count > 0)
            notes.Add("User separation needs sudoers, which a CurrentUser install does not write: CLAUDE_USER/os_user are ignored.");
        if (!facts.ClaudeBinaryFound)
            notes.Add($"The claude binary was not found; sudoers and CLAUDE_BIN name {facts.ClaudeBinary}, where the service user's copy is expected. Install Claude Code there and re-run.");

        var serviceOwner = facts.ServiceAccount is null ? new FileOwner(account.Name, account.Name, MissingId, MissingId) : FileOwner.Of(account);
        var rootOwner = userScope ? FileOwner.Of(facts.InstallingUser) : FileOwner.Root;
        var separate = userScope ? [] : facts.SeparateUsers.Where(u => u.Name != account.Name).ToList();
        var useCredentials = config.Platform == ServicePlatform.Linux && !userScope && facts.SystemdCredentials;
        string Expand(string path) => path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(account.Home, path[2..]) : path;
        var writable = new List<string>();
        // Homes that exist now (system accounts often have none): Claude keeps ~/.claude there.
        writable.AddRange(separate.Select(u => u.Account?.Home ?? "").Prepend(account.Home).Where(h => h.Length > 1 && Directory.Exists(h)));
        if (config.WorkspaceBase is { Length: > 0 } wb) writable.Add(Expand(wb));
        writable.AddRange(config.AllowedWorkspaces.Select(Expand));

        var settings = new ServiceSettings
        {
            ServiceUser = account.Name,
            ServiceGroup = serviceOwner.Group,
            ServiceHome = account.Home,
            InstallDirectory = layout.InstallDirectory,
            DataDirectory = layout.DataDirectory,
            HomeDirectory = layout.HomeDirectory,
            EnvFile = layout.EnvFile,
            Executable = layout.KaiExecutable,
            ClaudeBinary = facts.ClaudeBinary,
            DotnetRoot = facts.DotnetRoot,
            UseCredentials = useCredentials,
            NeedsSudo = !userScope && (separate.Count > 0 || !useCredentials),
            SetuidSandbox = facts.SetuidSandbox,
            WritablePaths = writable.Where(Path.IsPathRooted).Distinct(StringComparer.Ordinal).ToList(),
            UserScope = userScope,
            LauncherScript = layout.LauncherScript,
        };
        return (settings, serviceOwner, rootOwner);
    }

    internal static IServiceManager ChooseServiceManager(InstallLayout layout, InstallOptions options, InstallFacts facts)
    {
        if (options.ServiceManager is { } injected) return injected;
        var userScope = layout.IsUserScope;
        var name = layout.Config.Platform == ServicePlatform.Linux ? InstallLayout.SystemdUnitName : InstallLayout.LaunchdLabel;
        if (layout.Root is not null)
            return new UnavailableServiceManager("none", name, $"installing under the root prefix {layout.Root}: the live service manager is left alone");
        return layout.Config.Platform == ServicePlatform.Linux
            ? new SystemdServiceManager(name, userScope)
            : new LaunchdServiceManager(name, layout.ServiceDefinition, userScope, facts.InstallingUser.Uid);
    }

    /// <summary>users.yaml from beside install.conf, else the installed copy: so rules for configured users survive a reinstall.</summary>
    public static IReadOnlyList<KaiUserEntry> LoadUsers(InstallLayout layout, InstallOptions options)
    {
        var candidates = new[]
        {
            options.ConfigDirectory is { } dir ? Path.Combine(dir, "users.yaml") : null,
            layout.OnDisk(layout.UsersYaml),
        };
        foreach (var path in candidates)
        {
            if (path is null || !File.Exists(path)) continue;
            try
            {
                return UsersYaml.Load(path);
            }
            catch (UnauthorizedAccessException)
            {
                // Only root reads the installed copy; a non-root dry run plans without it.
                continue;
            }
        }
        return Array.Empty<KaiUserEntry>();
    }

    /// <summary>What an in-memory config must hold before anything is planned (install.conf loading validates the rest).</summary>
    public static void ValidateConfig(InstallConfig config)
    {
        static void Require(bool ok, string field, string message)
        {
            if (!ok) throw new KaiException("InstallConfigInvalid", KaiErrorKind.InvalidData, $"install.conf: {field}: {message}", field);
        }
        Require(config.TelegramBotToken is { IsEmpty: false }, nameof(config.TelegramBotToken), "is required.");
        Require(config.ApiSecret is { IsEmpty: false }, nameof(config.ApiSecret), "is required (New-KaiInstallConfig generates one).");
        foreach (var (field, path) in new[] { (nameof(config.InstallDirectory), config.InstallDirectory), (nameof(config.DataDirectory), config.DataDirectory) })
        {
            Require(Path.IsPathRooted(path), field, $"'{path}' must be an absolute path.");
            Require(path.TrimEnd('/').Length > 1, field, "cannot be the filesystem root.");
            Require(!path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '\\' or '%' or '$' or '`'),
                field, $"'{path}' holds a character Kai does not put into unit files and sudoers (blank, quote, backslash, %, $ or `).");
        }
        var install = config.InstallDirectory.TrimEnd('/') + "/";
        var data = config.DataDirectory.TrimEnd('/') + "/";
        Require(!install.StartsWith(data, StringComparison.Ordinal) && !data.StartsWith(install, StringComparison.Ordinal),
            nameof(config.DataDirectory), "the install and data directories must not contain each other (the install tree is re-copied, data must survive).");
    }
}
