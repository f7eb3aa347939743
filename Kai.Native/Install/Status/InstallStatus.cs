using System.Reflection;
using Kai.Native.IO;
using Kai.Native.Platform;

namespace Kai.Native.Install;

/// <summary>Builds an <see cref="InstallStatusReport"/>: stat every location, ask the service manager, probe the sandbox, run every step's Test.</summary>
public static class InstallStatus
{
    public static string KaiVersion =>
        typeof(InstallStatus).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <param name="config">install.conf's content, or null to report the default locations (then no drift check).</param>
    public static InstallStatusReport Get(InstallConfig? config, InstallOptions options, IInstallObserver? observer = null)
    {
        observer ??= InstallObserver.Silent;
        var warnings = new List<string>();
        var effective = config ?? InstallConfigDefaults.For(options.Scope ?? InstallScope.AllUsers);
        if (options.Scope is { } scope) effective = InstallConfigDefaults.Rescope(effective, scope);
        var layout = new InstallLayout(effective, options.Root);
        var userScope = layout.IsUserScope;
        var serviceAccount = userScope ? UnixAccounts.FindUser(UnixAccounts.EffectiveUserId) : UnixAccounts.FindUser(effective.ServiceUser);
        var serviceOwner = serviceAccount is null ? $"{effective.ServiceUser}:{effective.ServiceUser}" : FileOwner.Of(serviceAccount).ToString();
        var rootOwner = userScope ? serviceOwner : FileOwner.Root.ToString();
        if (serviceAccount is null) warnings.Add($"The service user '{effective.ServiceUser}' does not exist.");

        InstallLocation Loc(string name, string servicePath, string? expected)
        {
            var path = layout.OnDisk(servicePath);
            UnixFileStatus? status;
            try
            {
                status = UnixFiles.TryStat(path);
            }
            catch (UnauthorizedAccessException)
            {
                return new InstallLocation(name, path, false, null, null, expected) { Note = "permission denied; run as root to see it" };
            }
            return new InstallLocation(name, path, status is not null, status is null ? null : $"{status.Owner}:{status.Group}", status?.OctalMode, expected);
        }

        observer.Verbose("status: checking locations");
        var secrets = new List<InstallLocation> { Loc("env", layout.EnvFile, $"{rootOwner} 0600") };
        foreach (var (name, path) in new[] { ("services.yaml", layout.ServicesYaml), ("users.yaml", layout.UsersYaml), ("workspaces.yaml", layout.WorkspacesYaml),
                     ("totp.secret", layout.TotpSecret), ("totp.attempts", layout.TotpAttempts) })
            secrets.Add(Loc(name, path, $"{rootOwner} 0600"));

        var facts = InstallProbe.Probe(effective, payloadVersion: null);
        var manager = InstallPlanner.ChooseServiceManager(layout, options, facts);
        observer.Verbose($"status: asking {manager.Name} about {manager.ServiceName}");
        var serviceState = manager.UnavailableReason is { } reason
            ? new InstallServiceState(manager.Name, manager.ServiceName, "unknown", false, reason)
            : ServiceStateOf(manager);

        var manifest = PayloadManifest.TryLoad(layout.OnDisk(layout.PayloadManifest));
        observer.Verbose("status: probing the sandbox backend");
        var sandbox = SandboxProbe.Probe(effective.Platform);
        var claude = ClaudeStatus(layout, facts);

        var problems = new List<WorkspaceAccessProblem>();
        if (serviceAccount is not null)
        {
            foreach (var workspace in Workspaces(effective, layout, serviceAccount))
            {
                if (WorkspaceAccess.Check(workspace, serviceAccount) is { } problem) problems.Add(problem);
            }
        }

        IReadOnlyList<InstallStepResult>? drift = null;
        if (config is not null)
        {
            try
            {
                var plan = InstallPlanner.Create(config, options);
                var tests = InstallRunner.TestAll(plan, observer);
                drift = tests.Where(t => t.Status == InstallStepStatus.WouldChange && plan.Steps[t.Index].CountsAsDrift).ToList();
            }
            catch (KaiException ex)
            {
                warnings.Add($"No drift check: {ex.Message}");
            }
        }

        return new InstallStatusReport
        {
            Installation = Loc("Installation", layout.InstallDirectory, $"{rootOwner} 0755"),
            Home = Loc("Home", layout.HomeDirectory, $"{serviceOwner} 0755"),
            Data = Loc("Data", layout.DataDirectory, $"{serviceOwner} 0755"),
            SecretsDirectory = Loc("Secrets directory", layout.SecretsDirectory, userScope ? $"{rootOwner} 0700" : $"{rootOwner} 0755"),
            Secrets = secrets,
            Sudoers = userScope ? null : Loc("Sudoers", layout.SudoersFile, "root:root 0440"),
            ServiceDefinition = Loc(effective.Platform == ServicePlatform.Linux ? "Unit" : "Plist", layout.ServiceDefinition, $"{rootOwner} 0644"),
            Service = serviceState,
            InstalledVersion = manifest?.Version,
            KaiVersion = KaiVersion,
            Sandbox = sandbox,
            Claude = claude,
            WorkspaceProblems = problems,
            Drift = drift,
            Warnings = warnings,
        };
    }

    private static InstallServiceState ServiceStateOf(Platform.Services.IServiceManager manager)
    {
        try
        {
            var status = manager.GetStatus();
            return new InstallServiceState(manager.Name, manager.ServiceName, status.State.ToString().ToLowerInvariant(), status.Enabled, status.Detail);
        }
        catch (KaiException ex)
        {
            return new InstallServiceState(manager.Name, manager.ServiceName, "unknown", false, ex.Message);
        }
    }

    /// <summary>CLAUDE_BIN in the service definition (world-readable), the env file and sudoers (root-readable), and a fresh detection.</summary>
    private static ClaudeBinaryStatus ClaudeStatus(InstallLayout layout, InstallFacts facts)
    {
        string? inDefinition = null, inEnv = null, inSudoers = null;
        var definition = TryRead(layout.OnDisk(layout.ServiceDefinition));
        if (definition is not null)
        {
            foreach (var line in definition.Split('\n'))
            {
                var marker = EnvKeys.ClaudeBinary + "=";
                var at = line.IndexOf(marker, StringComparison.Ordinal);
                if (at < 0) continue;
                var value = line[(at + marker.Length)..];
                var end = value.IndexOfAny(['"', '<']);
                inDefinition = (end >= 0 ? value[..end] : value).Trim();
                break;
            }
            if (inDefinition is null && definition.Contains("<key>" + EnvKeys.ClaudeBinary + "</key>", StringComparison.Ordinal))
            {
                var after = definition[(definition.IndexOf("<key>" + EnvKeys.ClaudeBinary + "</key>", StringComparison.Ordinal))..];
                var start = after.IndexOf("<string>", StringComparison.Ordinal) + 8;
                inDefinition = after[start..after.IndexOf("</string>", StringComparison.Ordinal)];
            }
        }
        if (TryRead(layout.OnDisk(layout.EnvFile)) is { } env)
        {
            try
            {
                inEnv = EnvFile.Parse(env).TryGetValue(EnvKeys.ClaudeBinary, out var v) ? v : null;
            }
            catch (KaiException)
            {
            }
        }
        if (TryRead(layout.OnDisk(layout.SudoersFile)) is { } sudoers) inSudoers = SudoersFile.ClaudePathIn(sudoers);
        var (detected, found) = InstallProbe.DetectClaude(facts.ServiceAccount);
        return new ClaudeBinaryStatus(detected, found, inDefinition, inEnv, inSudoers);
    }

    private static IEnumerable<string> Workspaces(InstallConfig config, InstallLayout layout, UnixUser serviceUser)
    {
        var list = new List<string>();
        if (config.WorkspaceBase is { Length: > 0 } wb) list.Add(InvokingUser.ExpandHome(wb, serviceUser.Home));
        list.AddRange(config.AllowedWorkspaces.Select(w => InvokingUser.ExpandHome(w, serviceUser.Home)));
        try
        {
            var workspacesYaml = layout.OnDisk(layout.WorkspacesYaml);
            if (File.Exists(workspacesYaml)) list.AddRange(WorkspacesYaml.Load(workspacesYaml).Select(w => w.Path));
        }
        catch (Exception ex) when (ex is KaiException or UnauthorizedAccessException or IOException)
        {
        }
        return list.Where(Path.IsPathRooted).Distinct(StringComparer.Ordinal);
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }
}
