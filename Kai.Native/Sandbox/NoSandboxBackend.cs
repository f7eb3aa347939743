namespace Kai.Native.Sandbox;

/// <summary>
/// No OS sandbox: only when chosen explicitly (-Sandbox None / KAI_SANDBOX=off). The environment is
/// still the filtered one the caller passes; nothing is inherited.
/// </summary>
public sealed class NoSandboxBackend : ISandboxBackend
{
    public static NoSandboxBackend Instance { get; } = new();

    public SandboxKind Kind => SandboxKind.None;
    public string Name => "none";

    public SandboxAvailability Probe() => new(true, Name, null, null, null, null);

    public SandboxedCommand Prepare(SandboxPolicy policy, SandboxSpawn spawn)
    {
        if (spawn.Argv.Count == 0) throw new ArgumentException("Nothing to run.", nameof(spawn));
        return new SandboxedCommand(spawn.Argv[0], spawn.Argv.Skip(1).ToList(), spawn.Environment);
    }
}
