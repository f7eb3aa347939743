using System.Collections.Concurrent;
using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

/// <summary>Where the preflight caches and how long a probe may take.</summary>
public sealed record SandboxPreflightOptions
{
    /// <summary>Directory of the cache file; null uses the policy context's data directory, else the user's.</summary>
    public string? CacheDirectory { get; init; }
    /// <summary>Ignore (but refresh) the cache.</summary>
    public bool Force { get; init; }
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan CacheLifetime { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>
/// Proves a policy holds on this machine before any session runs under it: directed probes inside the real sandbox
/// (read a denied file, list a denied directory, write outside the allow-list, write a write-denied file, see host
/// processes, reach the network or a host socket, find a secret in the environment, gain privileges, inherit a
/// descriptor, change kernel settings). Any escape blocks session start. Passing results are cached 24 h keyed on
/// (backend binary sha256, policy hash).
/// </summary>
public static class SandboxPreflight
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_locks = new(StringComparer.Ordinal);

    /// <summary>
    /// What the sessions engine calls before starting a session: returns when the policy holds (from cache or by
    /// probing), throws <see cref="KaiException"/> SandboxUnsafe naming every escape otherwise. With the None
    /// backend (chosen explicitly) there is nothing to prove and it returns at once.
    /// </summary>
    public static SandboxPreflightReport? EnsureSafe(SandboxPolicy policy, ISandboxBackend backend, SandboxPreflightOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(backend);
        if (backend.Kind == SandboxKind.None) return null;
        var report = Run(policy, backend, options);
        if (!report.IsSafe)
        {
            var escapes = report.Results.Where(r => r.Escaped).ToList();
            throw new KaiException("SandboxUnsafe", KaiErrorKind.SecurityError,
                $"The {backend.Name} sandbox does not hold on this machine under policy {policy.Source}: " +
                string.Join(" ", escapes.Select(e => $"[{e.Probe}] {e.Detail}")), policy.Source)
            { RecommendedAction = "Run Test-KaiSandbox for every probe's result, fix the cause (policy or host), then start the session again." };
        }
        return report;
    }

    /// <summary>Runs every probe (or returns a cached passing report) and reports each probe's outcome.</summary>
    public static SandboxPreflightReport Run(SandboxPolicy policy, ISandboxBackend backend, SandboxPreflightOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(backend);
        options ??= new SandboxPreflightOptions();
        policy.Validate();
        var availability = backend.Probe();
        if (!availability.IsAvailable) throw SandboxBackends.Unavailable(availability, backend.Kind);
        var binary = availability.BinaryPath is { } path && File.Exists(path) ? SandboxPreflightCache.Sha256Of(path) : "none";
        var hash = policy.Hash;
        var cacheDirectory = options.CacheDirectory ?? policy.Context?.DataDirectory ?? KaiPaths.UserDataDirectory();
        var cache = new SandboxPreflightCache(Path.Combine(cacheDirectory, SandboxPreflightCache.FileName), options.CacheLifetime);

        // One preflight at a time per key: a hundred sessions starting together probe once.
        var gate = s_locks.GetOrAdd($"{backend.Name}|{binary}|{hash}|{cache.File}", _ => new SemaphoreSlim(1, 1));
        gate.Wait();
        try
        {
            if (!options.Force && cache.TryGet(backend.Name, binary, hash, DateTimeOffset.UtcNow) is { } cached) return cached;
            var results = new SandboxProbes(policy, backend, options.ProbeTimeout).RunAll();
            var report = new SandboxPreflightReport(backend.Name, binary, hash, DateTimeOffset.UtcNow, FromCache: false, results);
            cache.Store(report);
            return report;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Which rule hides, protects or allows <paramref name="path"/> (see <see cref="SandboxExplainer"/>).</summary>
    public static SandboxExplanation Explain(SandboxPolicy policy, string path) => SandboxExplainer.Explain(policy, path);

    /// <summary>
    /// A context for probing a policy outside a session (Test-KaiSandbox): the given workspace, and a stable probe
    /// home and tmp under the data directory, so the policy hash (and the cache) stays the same between runs.
    /// </summary>
    public static SandboxContext ProbeContext(string workspace, string? dataDirectory = null, string? secretsDirectory = null, string? hostHome = null)
    {
        var data = Path.GetFullPath(dataDirectory ?? KaiPaths.UserDataDirectory());
        var probe = Path.Combine(data, "sandbox-probe");
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(data, mode);
        var home = Directory.CreateDirectory(Path.Combine(probe, "home"), mode).FullName;
        var tmp = Directory.CreateDirectory(Path.Combine(probe, "tmp"), mode).FullName;
        return new SandboxContext(Path.GetFullPath(workspace), home, tmp, data, secretsDirectory ?? SandboxPolicies.DefaultSecretsDirectory, hostHome);
    }
}
