namespace Kai.Native.Sandbox;

/// <summary>
/// What a sandboxed process may see and touch. Rendered by an <see cref="ISandboxBackend"/>.
/// (The sandbox work owns this type: defaults, YAML/JSON loading, validation, hashing.)
/// </summary>
public sealed record SandboxPolicy
{
    /// <summary>Paths or globs hidden from the sandbox (directory → empty tmpfs, file → /dev/null).</summary>
    public IReadOnlyList<string> ReadDeny { get; init; } = Array.Empty<string>();
    /// <summary>Paths re-allowed beneath a denied directory.</summary>
    public IReadOnlyList<string> ReadAllow { get; init; } = Array.Empty<string>();
    /// <summary>The only writable places (workspace, session home, per-session tmp); all else read-only.</summary>
    public IReadOnlyList<string> WriteAllow { get; init; } = Array.Empty<string>();
    /// <summary>Read-only islands inside writable places (rc files, .git/hooks, .git/config); these win.</summary>
    public IReadOnlyList<string> WriteDeny { get; init; } = Array.Empty<string>();
    public bool Network { get; init; }
    /// <summary>Variables that may pass into the sandbox; everything else is cleared.</summary>
    public IReadOnlyList<string> EnvironmentAllow { get; init; } = Array.Empty<string>();
    public long? MemoryLimitBytes { get; init; }
    public int? MaxProcesses { get; init; }
}
