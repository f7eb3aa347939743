using Kai.Native.Platform;
using Kai.Native.Sandbox;

namespace Kai.Native.Sessions;

/// <summary>Where and how the embedded (in-process) host keeps sessions.</summary>
public sealed record EmbeddedHostOptions
{
    /// <summary>kai.db and per-session homes live here ($KAI_DATA_DIR, else ~/.local/share/kai).</summary>
    public required string DataDirectory { get; init; }
    /// <summary>Sandbox used when a session does not choose one; KAI_SANDBOX=off maps to None.</summary>
    public SandboxKind DefaultSandbox { get; init; } = SandboxKind.Auto;
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaximumTimeout { get; init; } = TimeSpan.FromSeconds(600);
    /// <summary>Characters kept per output stream (stdout and stderr each) of one command.</summary>
    public int OutputCap { get; init; } = 15_000;
    /// <summary>The largest cap a request may ask for (memory per running command is about 8 bytes a character).</summary>
    public int MaximumOutputCap { get; init; } = 1 << 20;
    /// <summary>Time each cancel step (SIGINT, SIGTERM, SIGKILL) gets before the next one.</summary>
    public TimeSpan CancelGrace { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>
    /// How long ExecAsync waits for a command on the calling thread (blocked in poll, no CPU) before moving the
    /// wait to a wait thread. Most commands — and a -Fresh sandbox start — end within it, which saves thread
    /// hand-overs: each costs a wake-up, and on a busy machine a wake-up can cost milliseconds.
    /// </summary>
    public TimeSpan InlineWait { get; init; } = TimeSpan.FromMilliseconds(50);
    /// <summary>
    /// How long a persistent-shell command is watched without sleeping (poll without timeout, yielding the
    /// CPU) before the wait blocks: saves the wake-up latency for the many commands that end within it.
    /// Off (zero) by default: on a busy machine it did not pay for the CPU it burns.
    /// </summary>
    public TimeSpan SpinWait { get; init; } = TimeSpan.Zero;
    /// <summary>
    /// When true, ExecAsync returns only once the command's row and transcript are committed to kai.db
    /// (the service sets this: an acknowledged command survives a crash). When false they are committed
    /// by a background writer moments later (and always before DisposeAsync returns).
    /// </summary>
    public bool AcknowledgeAfterCommit { get; init; }
    /// <summary>Kai's secrets directory, always hidden from sandboxes (/etc/kai, else the user's config dir).</summary>
    public string? SecretsDirectory { get; init; }
    /// <summary>What is redacted from output, transcripts and stored commands (default: from the environment and env file).</summary>
    public Redactor? Redactor { get; init; }
    /// <summary>Replaces <see cref="SandboxBackends.Resolve"/> (tests, and hosts with their own backends).</summary>
    public Func<SandboxKind, ISandboxBackend>? SandboxResolver { get; init; }
    /// <summary>Replaces the default policy / policy file loading: (context, policy path) → policy.</summary>
    public Func<SandboxContext, string?, SandboxPolicy>? PolicyFactory { get; init; }

    /// <summary>Where the preflight's 24-hour cache lives (default: the data directory).</summary>
    public string? PreflightCacheDirectory { get; init; }

    /// <summary>Tests only: skip the preflight probes (for a test backend that is not a real sandbox).</summary>
    internal bool SkipPreflight { get; init; }

    public static EmbeddedHostOptions ForCurrentUser() => new()
    {
        DataDirectory = KaiPaths.UserDataDirectory(),
        SecretsDirectory = Directory.Exists(SandboxPolicies.DefaultSecretsDirectory) ? SandboxPolicies.DefaultSecretsDirectory : KaiPaths.UserConfigDirectory(),
    };
}
