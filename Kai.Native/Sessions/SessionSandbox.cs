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
/// Resolves how a session runs: which sandbox backend (fail closed: Auto with no usable sandbox is an
/// error, None only when chosen explicitly or KAI_SANDBOX=off), which policy, and which environment
/// (the policy's allow-list of the host environment; Kai's secrets and KAI_* never pass).
/// </summary>
internal static class SessionSandbox
{
    public static readonly string BashPath = new[] { "/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash" }.FirstOrDefault(File.Exists) ?? "bash";

    /// <summary>KAI_SANDBOX=off (or none/0/false) turns Auto into None.</summary>
    public static SandboxKind Effective(SandboxKind requested, EmbeddedHostOptions options)
    {
        if (requested != SandboxKind.Auto) return requested;
        var switchValue = Environment.GetEnvironmentVariable("KAI_SANDBOX")?.Trim().ToLowerInvariant();
        if (switchValue is "off" or "none" or "0" or "false" or "no") return SandboxKind.None;
        return options.DefaultSandbox;
    }

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

    public static ShellLaunch Launch(ISandboxBackend backend, SandboxPolicy policy, SessionPaths paths) =>
        new(backend, policy, BaseEnvironment(policy, paths), BashPath, paths.Control, paths.ScriptPath);

    /// <summary>The environment a session's processes start with.</summary>
    public static IReadOnlyDictionary<string, string> BaseEnvironment(SandboxPolicy policy, SessionPaths paths)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var host = Environment.GetEnvironmentVariables();
        foreach (var pattern in policy.EnvironmentAllow)
        {
            foreach (System.Collections.DictionaryEntry entry in host)
            {
                var name = (string)entry.Key;
                if (Matches(pattern, name) && entry.Value is string value && !IsNeverPassed(name)) result[name] = value;
            }
        }
        if (!result.ContainsKey("PATH")) result["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
        result["HOME"] = paths.Home;
        result["TMPDIR"] = paths.Temp;
        return result;
    }

    /// <summary>Whatever a policy allows, Kai's own secrets and settings never enter a sandbox.</summary>
    public static bool IsNeverPassed(string name) =>
        EnvKeys.Secrets.Contains(name) || name.StartsWith("KAI_", StringComparison.Ordinal) || name == "SSH_AUTH_SOCK";

    private static bool Matches(string pattern, string name) =>
        pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : string.Equals(pattern, name, StringComparison.Ordinal);
}
