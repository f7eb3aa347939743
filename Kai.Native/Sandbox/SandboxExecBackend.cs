namespace Kai.Native.Sandbox;

/// <summary>Where the macOS backend finds sandbox-exec (injectable so the profile handling is testable off macOS).</summary>
public sealed record SandboxExecHostOptions
{
    public string BinaryPath { get; init; } = "/usr/bin/sandbox-exec";
    /// <summary>False only in tests on another OS: Prepare then writes the profile but nothing can run it.</summary>
    public bool RequireMacOS { get; init; } = true;
    /// <summary>Where per-spawn profiles are written (removed when the command is disposed).</summary>
    public string? ProfileDirectory { get; init; }
}

/// <summary>
/// macOS: the policy rendered as an SBPL profile (<see cref="SbplProfile"/>), written per spawn to a private temp
/// file that disposing the command removes, run through `sandbox-exec -f`. The launcher clears the environment to
/// the allowed names, closes inherited descriptors and changes directory. Resource limits cannot be enforced per
/// sandbox on macOS, so a policy with limits is refused.
/// </summary>
public sealed class SandboxExecBackend : ISandboxBackend
{
    private readonly SandboxExecHostOptions _options;

    public SandboxExecBackend() : this(new SandboxExecHostOptions()) { }

    public SandboxExecBackend(SandboxExecHostOptions options) => _options = options ?? throw new ArgumentNullException(nameof(options));

    public SandboxKind Kind => SandboxKind.SandboxExec;
    public string Name => "sandbox-exec";

    public SandboxAvailability Probe()
    {
        if (_options.RequireMacOS && !OperatingSystem.IsMacOS())
            return new SandboxAvailability(false, Name, null, null, "sandbox-exec exists only on macOS.", "On Linux use the bubblewrap backend (-Sandbox Auto or Bubblewrap).");
        if (!File.Exists(_options.BinaryPath))
            return new SandboxAvailability(false, Name, null, null, $"{_options.BinaryPath} is missing.",
                "sandbox-exec ships with macOS; restore it from the OS installation. To run without a sandbox, choose it explicitly: -Sandbox None or KAI_SANDBOX=off.");
        return new SandboxAvailability(true, Name, _options.BinaryPath, null, null, null);
    }

    public SandboxAvailability EnsureAvailable()
    {
        var availability = Probe();
        if (!availability.IsAvailable) throw SandboxBackends.Unavailable(availability, SandboxKind.SandboxExec);
        return availability;
    }

    public SandboxedCommand Prepare(SandboxPolicy policy, SandboxSpawn spawn)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(spawn);
        if (spawn.Argv.Count == 0) throw new ArgumentException("Nothing to run.", nameof(spawn));
        EnsureAvailable();
        var workingDirectory = SandboxSpawns.CheckWorkingDirectory(spawn.WorkingDirectory);
        if (policy.MemoryLimitBytes is not null)
            throw Unenforceable(SandboxRuleIds.MemoryLimit, "macOS does not enforce an address-space limit (RLIMIT_AS)");
        if (policy.MaxProcesses is not null)
            throw Unenforceable(SandboxRuleIds.ProcessLimit, "macOS counts processes per user across the whole system, not per sandbox");

        var profile = SbplProfile.Render(policy);
        // Write-allow directories must exist for the shell to use them (as bubblewrap's binds do).
        foreach (var path in policy.WriteAllow)
        {
            try
            {
                Directory.CreateDirectory(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KaiException("SandboxRuleUnenforceable", KaiErrorKind.InvalidOperation,
                    $"Sandbox rule {SandboxRuleIds.WriteAllow(path)}: {path} does not exist and cannot be created: {ex.Message}", SandboxRuleIds.WriteAllow(path), ex);
            }
        }

        var environment = SandboxEnvironment.Build(policy, spawn.Environment);
        var directory = _options.ProfileDirectory ?? Path.GetTempPath();
        var file = Path.Combine(directory, $"kai-sandbox-{Guid.NewGuid():N}.sb");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var stream = new FileStream(file, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(profile);

        var launcher = SandboxLauncher.Wrap(spawn.Argv, new SandboxLauncher.Options
        {
            DescriptorDirectory = "/dev/fd",
            KeepOnlyVariables = environment.Keys.ToList(),
            WorkingDirectory = workingDirectory,
        });
        var arguments = new List<string> { "-f", file };
        arguments.AddRange(launcher);
        return new SandboxedCommand(_options.BinaryPath, arguments, environment, () => TryDelete(file));
    }

    private static KaiException Unenforceable(string rule, string why) =>
        new("SandboxRuleUnenforceable", KaiErrorKind.InvalidOperation, $"Sandbox rule {rule} cannot be enforced with sandbox-exec: {why}.", rule)
        { RecommendedAction = "Remove the limit from the policy on macOS." };

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
