namespace Kai.Native.Sandbox;

/// <summary>
/// Linux: the policy rendered as bubblewrap arguments. Every sandbox gets fresh user, pid, ipc, uts, cgroup and
/// (unless the policy allows network) net namespaces, no capabilities, no_new_privs and nosuid mounts, a cleared
/// environment, the host read-only with the policy's hidden, writable and protected paths mounted over it, and a
/// launcher that closes inherited descriptors and applies limits before the command runs.
/// </summary>
public sealed class BubblewrapBackend : ISandboxBackend
{
    private readonly BubblewrapHostOptions _options;

    public BubblewrapBackend() : this(new BubblewrapHostOptions()) { }

    public BubblewrapBackend(BubblewrapHostOptions options) => _options = options ?? throw new ArgumentNullException(nameof(options));

    public SandboxKind Kind => SandboxKind.Bubblewrap;
    public string Name => "bubblewrap";
    public BubblewrapHostOptions Options => _options;

    private sealed record KnownAvailability(SandboxAvailability Result, long Expires);

    // A reference, swapped whole: sessions prepare concurrently.
    private volatile KnownAvailability? _available;

    /// <summary>Whether bubblewrap can sandbox here. A positive answer is reused for a minute (a spawn fails closed anyway if the host changes).</summary>
    public SandboxAvailability Probe()
    {
        var now = Environment.TickCount64;
        if (_available is { } known && known.Expires > now) return known.Result;
        var result = BubblewrapAvailability.Check(_options);
        _available = result.IsAvailable ? new KnownAvailability(result, now + 60_000) : null;
        return result;
    }

    /// <summary>Throws SandboxUnavailable (naming the cause and the fix) unless bubblewrap can sandbox here.</summary>
    public SandboxAvailability EnsureAvailable()
    {
        var availability = Probe();
        if (!availability.IsAvailable) throw SandboxBackends.Unavailable(availability, SandboxKind.Bubblewrap);
        return availability;
    }

    public SandboxedCommand Prepare(SandboxPolicy policy, SandboxSpawn spawn)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(spawn);
        if (spawn.Argv.Count == 0) throw new ArgumentException("Nothing to run.", nameof(spawn));
        var availability = EnsureAvailable();
        var workingDirectory = SandboxSpawns.CheckWorkingDirectory(spawn.WorkingDirectory);
        if (!File.Exists(SandboxLauncher.Bash))
            throw new KaiException("SandboxRuleUnenforceable", KaiErrorKind.InvalidOperation,
                $"The sandbox launcher needs {SandboxLauncher.Bash} to close inherited descriptors and apply limits, and it is missing.", SandboxLauncher.Bash);

        var hostUid = _options.EffectiveUid;
        var plan = SandboxMountPlan.Build(policy, hostUid: hostUid);
        SandboxSpawns.CheckVisible(plan, workingDirectory);
        var root = hostUid == 0;

        // RLIMIT_NPROC never applies to uid 0, so root needs the cgroup pids controller for a process limit.
        CgroupPidsLimiter? cgroup = null;
        if (policy.MaxProcesses is not null && root)
        {
            cgroup = CgroupPidsLimiter.Find(_options.CgroupRoot, _options.SelfCgroupPath, out var reason);
            if (cgroup is null)
                throw new KaiException("SandboxRuleUnenforceable", KaiErrorKind.InvalidOperation,
                    $"Sandbox rule {SandboxRuleIds.ProcessLimit}: a process limit cannot be enforced here: run as root, the kernel ignores RLIMIT_NPROC, and there is {reason}.",
                    SandboxRuleIds.ProcessLimit)
                { RecommendedAction = "Run Kai as an unprivileged user, mount the cgroup pids controller, or remove the limit (limits: processes)." };
        }

        var launcher = SandboxLauncher.Wrap(spawn.Argv, new SandboxLauncher.Options
        {
            DescriptorDirectory = "/proc/self/fd",
            MemoryLimitBytes = policy.MemoryLimitBytes,
            MaxProcesses = root ? null : policy.MaxProcesses,
            SignalReady = spawn.SignalReady,
        });
        var environment = SandboxEnvironment.Build(policy, spawn.Environment);
        var arguments = BubblewrapArguments.Render(policy, plan, environment, workingDirectory, launcher, hostUid, _options.ScratchSizeBytes);
        var bwrap = availability.BinaryPath!;
        // bwrap itself gets no environment: --clearenv/--setenv give the sandbox exactly its own.
        var ownEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);

        var readyMarker = spawn.SignalReady ? SandboxLauncher.ReadyMarker : null;
        if (cgroup is null) return new SandboxedCommand(bwrap, arguments, ownEnvironment) { ReadyMarker = readyMarker, Mounts = plan.Mounts };

        var procs = cgroup.Create(policy.MaxProcesses!.Value);
        var wrapped = new List<string> { "-c", "echo $$ > \"$1\" || exit " + SandboxLauncher.SetupFailedExitCode + "; shift; exec \"$@\"", "kai-limits", procs, bwrap };
        wrapped.AddRange(arguments);
        var directory = Path.GetDirectoryName(procs)!;
        return new SandboxedCommand("/bin/sh", wrapped, ownEnvironment, () => CgroupPidsLimiter.TryRemove(directory))
        {
            ReadyMarker = readyMarker,
            Mounts = plan.Mounts,
        };
    }
}

/// <summary>Checks shared by the backends.</summary>
internal static class SandboxSpawns
{
    public static string CheckWorkingDirectory(string workingDirectory)
    {
        if (string.IsNullOrEmpty(workingDirectory) || !workingDirectory.StartsWith('/'))
            throw new KaiException("SandboxWorkingDirectoryInvalid", KaiErrorKind.InvalidArgument,
                $"The sandbox working directory '{workingDirectory}' is not an absolute path.", workingDirectory);
        if (!Directory.Exists(workingDirectory))
            throw new KaiException("SandboxWorkingDirectoryInvalid", KaiErrorKind.ObjectNotFound,
                $"The sandbox working directory '{workingDirectory}' does not exist.", workingDirectory);
        return SandboxPaths.Normalize(workingDirectory);
    }

    /// <summary>The working directory must be there inside the sandbox too, not under a hidden or scratch mount.</summary>
    public static void CheckVisible(SandboxMountPlan plan, string workingDirectory)
    {
        var resolved = SandboxPaths.Resolve(workingDirectory);
        var mount = plan.Covering(resolved);
        var hidden = mount?.Kind is SandboxMountKind.HiddenDirectory or SandboxMountKind.HiddenFile
                     || (mount?.Kind == SandboxMountKind.Scratch && resolved != mount.Path);
        if (hidden)
            throw new KaiException("SandboxWorkingDirectoryHidden", KaiErrorKind.InvalidArgument,
                $"The working directory '{workingDirectory}' is not visible inside the sandbox: {mount!.RuleId} {(mount.Kind == SandboxMountKind.Scratch ? "replaces it with a private scratch directory" : "hides it")}.",
                workingDirectory)
            { RecommendedAction = "Work in the workspace (or another allowed directory), or lift the rule in the policy." };
    }
}
