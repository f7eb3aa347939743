namespace Kai.Native.Sandbox;

/// <summary>Which sandbox wraps a spawn. Auto picks the platform's backend and fails if it is unusable.</summary>
public enum SandboxKind { Auto, Bubblewrap, SandboxExec, None }

/// <summary>What to run inside the sandbox: argv, working directory and the (already filtered) environment.</summary>
public sealed record SandboxSpawn(
    IReadOnlyList<string> Argv,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>
    /// Ask the backend to write <see cref="SandboxedCommand.ReadyMarker"/> to stderr once the sandbox is fully set
    /// up, right before the command is exec'd (backends that can fail during setup, such as bubblewrap, honour it).
    /// The starter can then tell "the sandbox could not be built" from "the command ran and failed".
    /// </summary>
    public bool SignalReady { get; init; }
}

/// <summary>
/// What to actually start (the backend's wrapper, e.g. bwrap + arguments). Spawned with
/// System.Diagnostics.Process, so no managed code runs between fork and exec: build the start info with
/// <see cref="SandboxSpawner.StartInfo"/> (exactly this environment, nothing inherited) and start it with
/// <see cref="SandboxSpawner.Start"/>, never from a thread that may exit (bwrap's --die-with-parent follows the
/// forking thread). Disposing it removes any per-spawn files (an SBPL profile) or an emptied cgroup once the
/// process has started or finished.
/// </summary>
public sealed class SandboxedCommand(string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, Action? cleanup = null) : IDisposable
{
    private Action? _cleanup = cleanup;

    public string FileName { get; } = fileName;
    public IReadOnlyList<string> Arguments { get; } = arguments;
    /// <summary>The complete environment of the started process (nothing inherited beyond this).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; } = environment;

    /// <summary>
    /// When set, the first bytes on stderr of a sandbox whose setup succeeded (the spawn asked for
    /// <see cref="SandboxSpawn.SignalReady"/>): the starter consumes them; anything before them is the backend's own.
    /// </summary>
    public byte[]? ReadyMarker { get; init; }

    /// <summary>The mounts this sandbox was built with (bubblewrap), for checking later that they are still in place.</summary>
    public IReadOnlyList<SandboxMount> Mounts { get; init; } = Array.Empty<SandboxMount>();

    public void Dispose() => Interlocked.Exchange(ref _cleanup, null)?.Invoke();
}

/// <summary>Whether a backend can run here, and if not, why and how to fix it.</summary>
public sealed record SandboxAvailability(bool IsAvailable, string Backend, string? BinaryPath, string? Version, string? Problem, string? Fix);

/// <summary>Renders a <see cref="SandboxPolicy"/> for one OS mechanism.</summary>
public interface ISandboxBackend
{
    SandboxKind Kind { get; }
    string Name { get; }
    SandboxAvailability Probe();
    /// <summary>Wraps <paramref name="spawn"/> so it runs under <paramref name="policy"/>; throws KaiException if the policy cannot be enforced.</summary>
    SandboxedCommand Prepare(SandboxPolicy policy, SandboxSpawn spawn);
}

/// <summary>
/// The places a policy is rendered against: what `${workspace}`, `${home}`, `${tmp}`, `~` in a policy mean
/// for one session, and where Kai's own secrets and data live (always denied by the default policy).
/// </summary>
public sealed record SandboxContext(
    string Workspace,
    string Home,
    string TempDirectory,
    string? DataDirectory = null,
    string? SecretsDirectory = null,
    string? HostHome = null);
