namespace Kai.Native.Sandbox;

/// <summary>
/// No OS sandbox: only when chosen explicitly (-Sandbox None / KAI_SANDBOX=off). The command runs as the caller
/// with full access to the file system and network; the environment is still cut down to the policy's
/// allow-list (secrets never enter a session, sandboxed or not), and nothing else is inherited.
/// </summary>
public sealed class NoSandboxBackend : ISandboxBackend
{
    public static NoSandboxBackend Instance { get; } = new();

    public SandboxKind Kind => SandboxKind.None;
    public string Name => "none";

    public SandboxAvailability Probe() => new(true, Name, null, null, null, null);

    public SandboxedCommand Prepare(SandboxPolicy policy, SandboxSpawn spawn)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(spawn);
        if (spawn.Argv.Count == 0) throw new ArgumentException("Nothing to run.", nameof(spawn));
        return new SandboxedCommand(spawn.Argv[0], spawn.Argv.Skip(1).ToList(), SandboxEnvironment.Build(policy, spawn.Environment));
    }
}
