using Kai.Native.Install;
using Kai.Native.Platform;
using Kai.Native.Sandbox;

namespace Kai.Native.Sessions;

/// <summary>The places one session lives in: sessions/&lt;name&gt;/{home,tmp} under the data dir, and its workspace.</summary>
internal sealed record SessionPaths(string Root, string Home, string Temp, string Control, string Workspace)
{
    public static SessionPaths For(string dataDirectory, string name, string? workspace)
    {
        var root = Path.Combine(dataDirectory, "sessions", name);
        var home = Path.Combine(root, "home");
        var temp = Path.Combine(root, "tmp");
        // Engine files the shell must reach (its script link, stdin files) live in a dot-dir of tmp.
        return new SessionPaths(root, home, temp, Path.Combine(temp, ".kai"), workspace ?? home);
    }

    public void Create()
    {
        foreach (var directory in new[] { Root, Home, Temp, Control })
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // bash names its script in error messages ("bash: line 3: foo: command not found"), so the script
        // it reads from its stdin pipe is reached through a link called "bash".
        var link = Path.Combine(Control, "bash");
        if (!File.Exists(link) && new FileInfo(link).LinkTarget is null)
        {
            try
            {
                File.CreateSymbolicLink(link, "/dev/stdin");
            }
            catch (IOException)
            {
                // Falls back to reading /dev/stdin by its own name.
            }
        }
    }

    public string ScriptPath => new FileInfo(Path.Combine(Control, "bash")).LinkTarget is not null ? "bash" : "/dev/stdin";
}

/// <summary>
/// Resolves how a session runs, with the sandbox work's pieces: which backend (<see cref="SandboxBackends"/>:
/// fail closed — Auto with no usable sandbox is an error, None only when chosen explicitly or KAI_SANDBOX=off),
/// which policy (<see cref="SandboxPolicies"/>: the default or a policy file), proven by the preflight probes
/// before the first shell starts, and the environment (<see cref="SandboxEnvironment"/>: the policy's
/// allow-list of this process's environment; secrets and KAI_* never pass).
/// </summary>
internal static class SessionSandbox
{
    public static readonly string BashPath = new[] { "/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash" }.FirstOrDefault(File.Exists) ?? "bash";
    private const string FallbackPath = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

    /// <summary>A session that did not choose uses the host's default; Auto then honours KAI_SANDBOX.</summary>
    public static SandboxKind Effective(SandboxKind requested, EmbeddedHostOptions options) =>
        requested == SandboxKind.Auto ? options.DefaultSandbox : requested;

    public static ISandboxBackend Backend(SandboxKind kind, EmbeddedHostOptions options) =>
        (options.SandboxResolver ?? SandboxBackends.Resolve)(kind);

    public static SandboxContext Context(SessionPaths paths, EmbeddedHostOptions options) => new(
        paths.Workspace, paths.Home, paths.Temp, options.DataDirectory, options.SecretsDirectory,
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    public static SandboxPolicy Policy(string? policyPath, SandboxContext context, EmbeddedHostOptions options)
    {
        if (options.PolicyFactory is { } factory) return factory(context, policyPath);
        return policyPath is null ? SandboxPolicies.Default(context) : SandboxPolicies.Load(policyPath, context);
    }

    /// <summary>Proves the policy holds (probes, cached 24 h) unless the backend is None.</summary>
    public static void EnsureSafe(SandboxPolicy policy, ISandboxBackend backend, EmbeddedHostOptions options)
    {
        if (options.SkipPreflight) return;
        SandboxPreflight.EnsureSafe(policy, backend, new SandboxPreflightOptions { CacheDirectory = options.PreflightCacheDirectory ?? options.DataDirectory });
    }

    public static ShellLaunch Launch(ISandboxBackend backend, SandboxPolicy policy, SessionPaths paths) =>
        new(backend, policy, BaseEnvironment(policy), BashPath, paths.Control, paths.ScriptPath);

    /// <summary>The environment a session's processes start with (the backend filters it again).</summary>
    public static IReadOnlyDictionary<string, string> BaseEnvironment(SandboxPolicy policy)
    {
        var result = new Dictionary<string, string>(SandboxEnvironment.Build(policy, SandboxEnvironment.Current()), StringComparer.Ordinal);
        if (!result.ContainsKey("PATH")) result["PATH"] = FallbackPath;
        return result;
    }
}
