using System.Text.RegularExpressions;
using Kai.Native.Install;

namespace Kai.Native.Sandbox;

/// <summary>
/// The environment a sandboxed process gets: only allow-listed variables (exact names or a `PREFIX*`), plus the
/// policy's fixed values (HOME, USER, SHELL…). Secrets never enter: `KAI_*`, the service's secrets, agent sockets
/// and anything named like a token, key or password are dropped here, and allow-listing one is an error.
/// </summary>
public static partial class SandboxEnvironment
{
    private static readonly HashSet<string> s_forbiddenNames = new(StringComparer.Ordinal)
    {
        "SSH_AUTH_SOCK", "SSH_AGENT_PID", "GPG_AGENT_INFO", "DBUS_SESSION_BUS_ADDRESS", "XAUTHORITY", "KRB5CCNAME",
        "SUDO_ASKPASS", "SSH_ASKPASS", "GIT_ASKPASS", "NETRC",
    };

    private static readonly string[] s_forbiddenFragments =
    {
        "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "API_KEY", "APIKEY", "ACCESS_KEY",
        "PRIVATE_KEY", "SESSION_KEY", "AUTH_KEY", "COOKIE",
    };

    private const string KaiPrefix = "KAI_";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\*?$")]
    private static partial Regex AllowPattern();

    /// <summary>Why <paramref name="name"/> may never enter a sandbox, or null when it may.</summary>
    public static string? ForbiddenReason(string name)
    {
        if (name.StartsWith(KaiPrefix, StringComparison.OrdinalIgnoreCase)) return "Kai's own variables (KAI_*) never enter a sandbox";
        if (EnvKeys.Secrets.Contains(name)) return "it is one of the Kai service's secrets";
        if (s_forbiddenNames.Contains(name.ToUpperInvariant())) return "it grants access to an agent, a credential store or a desktop session";
        var upper = name.ToUpperInvariant();
        foreach (var fragment in s_forbiddenFragments)
            if (upper.Contains(fragment, StringComparison.Ordinal)) return $"its name contains '{fragment}', so it is treated as a secret";
        return null;
    }

    public static bool IsForbidden(string name) => ForbiddenReason(name) is not null;

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>Checks an allow-list entry: a name or `PREFIX*`. Returns a problem description, or null.</summary>
    public static string? CheckAllowEntry(string entry)
    {
        if (!AllowPattern().IsMatch(entry)) return $"'{entry}' is not a variable name or a 'PREFIX*' pattern";
        if (entry.EndsWith('*'))
        {
            var prefix = entry[..^1];
            if (prefix.Length == 0) return "'*' would let every variable, secrets included, into the sandbox";
            if (KaiPrefix.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || prefix.StartsWith(KaiPrefix, StringComparison.OrdinalIgnoreCase))
                return $"'{entry}' would admit Kai's own variables (KAI_*)";
            var secret = EnvKeys.Secrets.FirstOrDefault(s => s.StartsWith(prefix, StringComparison.Ordinal));
            if (secret is not null) return $"'{entry}' would admit the service secret {secret}";
            var named = s_forbiddenNames.FirstOrDefault(s => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
            if (named is not null) return $"'{entry}' would admit {named}";
            return null;
        }
        var reason = ForbiddenReason(entry);
        return reason is null ? null : $"'{entry}' may not be allow-listed: {reason}";
    }

    /// <summary>Whether an allow-list admits <paramref name="name"/> (before the secret filter).</summary>
    public static bool IsAllowed(IEnumerable<string> allowList, string name)
    {
        foreach (var entry in allowList)
        {
            if (entry.EndsWith('*'))
            {
                if (name.StartsWith(entry[..^1], StringComparison.Ordinal)) return true;
            }
            else if (entry == name)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The complete environment for a sandboxed process: allow-listed variables from <paramref name="source"/>
    /// (secrets dropped even when allow-listed), then the policy's fixed values.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Build(SandboxPolicy policy, IReadOnlyDictionary<string, string>? source)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (source is not null)
        {
            foreach (var (name, value) in source)
            {
                if (!IsValidName(name) || IsForbidden(name)) continue;
                if (!IsAllowed(policy.EnvironmentAllow, name)) continue;
                if (value.Contains('\0')) continue;
                result[name] = value;
            }
        }
        foreach (var (name, value) in policy.EnvironmentSet)
        {
            if (IsForbidden(name)) continue;
            result[name] = value;
        }
        return result;
    }

    /// <summary>This process's environment as a dictionary (the usual <c>source</c> for <see cref="Build"/>).</summary>
    public static IReadOnlyDictionary<string, string> Current()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
            if (entry.Key is string key && entry.Value is string value) result[key] = value;
        return result;
    }
}
