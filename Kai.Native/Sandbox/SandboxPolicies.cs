using Kai.Native.Platform;

namespace Kai.Native.Sandbox;

/// <summary>
/// Where sessions get their policy: the default, a YAML/JSON file, or parameters (a <see cref="SandboxPolicySpec"/>),
/// always rendered against a <see cref="SandboxContext"/> and validated.
/// </summary>
public static class SandboxPolicies
{
    public const string DefaultSecretsDirectory = "/etc/kai";

    /// <summary>Credential stores in a home directory, hidden for the host user and for root.</summary>
    public static readonly IReadOnlyList<string> HomeCredentialPaths = new[]
    {
        ".ssh", ".gnupg", ".aws", ".config/gcloud", ".azure", ".kube", ".docker/config.json", ".config/gh", ".config/hub",
        ".netrc", ".git-credentials", ".env", ".npmrc", ".pypirc", ".pgpass", ".vault-token", ".password-store",
        ".cargo/credentials", ".cargo/credentials.toml", ".config/kai", ".local/share/kai",
    };

    /// <summary>System files that hold credentials. Run by root the sandbox's uid maps to root, so these need an explicit deny.</summary>
    public static readonly IReadOnlyList<string> SystemCredentialPaths = new[]
    {
        "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
        "/etc/ssh/ssh_host_*_key", "/etc/ssl/private", "/var/backups",
        // Host service sockets (docker, D-Bus, systemd): reachable through the file system even without network.
        "/run", "/var/lib/lxd", "/var/snap/lxd",
    };

    /// <summary>Files that make a shell, direnv or git run code; read-only (still readable) in writable places.</summary>
    public static readonly IReadOnlyList<string> ExecutableConfigNames = new[]
    {
        ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zprofile", ".zshenv", ".zlogin",
        ".zlogout", ".envrc", ".gitconfig", ".config/git",
    };

    /// <summary>The variables a sandbox gets from the caller's environment by default.</summary>
    public static readonly IReadOnlyList<string> DefaultEnvironmentAllow = new[] { "PATH", "LANG", "LC_*", "TERM", "TZ" };

    /// <summary>The private scratch directories (empty tmpfs) by default.</summary>
    public static readonly IReadOnlyList<string> DefaultScratch = new[] { "/tmp", "/var/tmp" };

    /// <summary>
    /// The default policy for one session: Kai's secrets and data, credential stores of the host user and root,
    /// system credentials, host sockets and `.env` files are hidden; only the workspace, the session home and the
    /// session tmp are writable, with shell rc files and git hooks/config inside them read-only; no network;
    /// only PATH, LANG, LC_*, TERM, TZ pass, with HOME/USER/SHELL/TMPDIR set to the session's values.
    /// </summary>
    public static SandboxPolicy Default(SandboxContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var workspace = Absolute(context.Workspace, "workspace");
        var home = Absolute(context.Home, "home");
        var tmp = Absolute(context.TempDirectory, "tmp");

        var readDeny = new List<string> { SandboxPaths.Normalize(context.SecretsDirectory ?? DefaultSecretsDirectory) };
        if (!string.IsNullOrEmpty(context.DataDirectory)) readDeny.Add(Absolute(context.DataDirectory, "data"));
        foreach (var userHome in new[] { HostHome(context), "/root" }.Distinct(StringComparer.Ordinal))
            readDeny.AddRange(HomeCredentialPaths.Select(p => SandboxPaths.Join(userHome, p)));
        readDeny.AddRange(SystemCredentialPaths);
        readDeny.Add(workspace + "/**/.env");
        readDeny.Add(workspace + "/**/.env.local");

        var writeDeny = new List<string>();
        foreach (var root in new[] { workspace, home }.Distinct(StringComparer.Ordinal))
            writeDeny.AddRange(ExecutableConfigNames.Select(n => SandboxPaths.Join(root, n)));
        writeDeny.Add(workspace + "/**/.git/hooks");
        writeDeny.Add(workspace + "/**/.git/config");

        return new SandboxPolicy
        {
            ReadDeny = Distinct(readDeny),
            WriteAllow = Distinct(new[] { workspace, home, tmp }),
            WriteDeny = Distinct(writeDeny),
            Scratch = DefaultScratch.ToArray(),
            Network = false,
            EnvironmentAllow = DefaultEnvironmentAllow.ToArray(),
            EnvironmentSet = SessionEnvironment(context),
            Context = context,
            Source = "default",
        }.Validate();
    }

    /// <summary>A policy file (YAML, or JSON by extension) rendered against <paramref name="context"/>.</summary>
    /// <exception cref="KaiException">SandboxPolicyNotFound, or SandboxPolicyInvalid naming the file, line and field.</exception>
    public static SandboxPolicy Load(string path, SandboxContext context) => SandboxPolicyFile.Load(path, context);

    /// <summary>A policy from parameters: the default (unless <see cref="SandboxPolicySpec.ExtendDefault"/> is false) plus the spec.</summary>
    public static SandboxPolicy FromSpec(SandboxPolicySpec spec, SandboxContext context, string source = "parameters")
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(context);
        var basis = spec.ExtendDefault
            ? Default(context)
            : new SandboxPolicy { EnvironmentSet = SessionEnvironment(context), Context = context };
        IReadOnlyList<string> Merge(IReadOnlyList<string> existing, IReadOnlyList<string>? added, string field) =>
            added is null ? existing : Distinct(existing.Concat(added.Select(a => ExpandOrThrow(a, context, field, source))));
        var set = new Dictionary<string, string>(basis.EnvironmentSet, StringComparer.Ordinal);
        if (spec.EnvironmentSet is not null)
            foreach (var (name, value) in spec.EnvironmentSet) set[name] = value;
        return new SandboxPolicy
        {
            ReadDeny = Merge(basis.ReadDeny, spec.ReadDeny, "read.deny"),
            ReadAllow = Merge(basis.ReadAllow, spec.ReadAllow, "read.allow"),
            WriteAllow = Merge(basis.WriteAllow, spec.WriteAllow, "write.allow"),
            WriteDeny = Merge(basis.WriteDeny, spec.WriteDeny, "write.deny"),
            Scratch = spec.Scratch is null ? basis.Scratch : Merge(spec.ExtendDefault ? basis.Scratch : Array.Empty<string>(), spec.Scratch, "scratch"),
            Network = spec.Network ?? basis.Network,
            EnvironmentAllow = spec.EnvironmentAllow is null ? basis.EnvironmentAllow : basis.EnvironmentAllow.Concat(spec.EnvironmentAllow).Distinct(StringComparer.Ordinal).ToArray(),
            EnvironmentSet = set,
            MemoryLimitBytes = spec.MemoryLimitBytes ?? basis.MemoryLimitBytes,
            MaxProcesses = spec.MaxProcesses ?? basis.MaxProcesses,
            Context = context,
            Source = source,
        }.Validate();
    }

    /// <summary>
    /// Expands `~` (the host user's home), `${workspace}`, `${home}` (the session home), `${tmp}` and `${data}`
    /// and normalises the result. Throws <see cref="FormatException"/> for an unknown variable or a relative path.
    /// </summary>
    public static string ExpandPath(string raw, SandboxContext context)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var text = raw.Trim();
        if (text.Length == 0) throw new FormatException("an empty path");
        if (text == "~" || text.StartsWith("~/", StringComparison.Ordinal)) text = HostHome(context) + text[1..];
        else if (text.StartsWith('~')) throw new FormatException($"'{raw}': only '~' (your own home) is supported, not '~user'");
        var result = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0) throw new FormatException($"'{raw}': unclosed '${{'");
                var name = text[(i + 2)..close];
                result.Append(name switch
                {
                    "workspace" => context.Workspace,
                    "home" => context.Home,
                    "tmp" => context.TempDirectory,
                    "data" => context.DataDirectory ?? throw new FormatException($"'{raw}': ${{data}} is not known in this context"),
                    _ => throw new FormatException($"'{raw}': unknown variable ${{{name}}} (known: ${{workspace}}, ${{home}}, ${{tmp}}, ${{data}}, ~)"),
                });
                i = close;
                continue;
            }
            result.Append(text[i]);
        }
        var expanded = result.ToString();
        if (!expanded.StartsWith('/')) throw new FormatException($"'{raw}' is not an absolute path (use an absolute path, ~, ${{workspace}}, ${{home}} or ${{tmp}})");
        // Keep a trailing '/**' etc. intact; normalise only the separators and dots.
        return SandboxGlob.IsGlob(expanded) ? NormalizePattern(expanded) : SandboxPaths.Normalize(expanded);
    }

    private static string NormalizePattern(string pattern)
    {
        var parts = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Contains("..")) throw new FormatException($"'{pattern}': '..' is not allowed in a pattern");
        return "/" + string.Join('/', parts);
    }

    private static string ExpandOrThrow(string raw, SandboxContext context, string field, string source)
    {
        try
        {
            return ExpandPath(raw, context);
        }
        catch (FormatException ex)
        {
            throw new KaiException("SandboxPolicyInvalid", KaiErrorKind.InvalidData, $"Sandbox policy {source}: {field}: {ex.Message}.", field);
        }
    }

    /// <summary>HOME, USER, LOGNAME, SHELL and TMPDIR of a session.</summary>
    public static IReadOnlyDictionary<string, string> SessionEnvironment(SandboxContext context)
    {
        var identity = SandboxIdentity.Current;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = SandboxPaths.Normalize(context.Home),
            ["USER"] = identity.UserName,
            ["LOGNAME"] = identity.UserName,
            ["SHELL"] = "/bin/bash",
            ["TMPDIR"] = SandboxPaths.Normalize(context.TempDirectory),
        };
    }

    internal static string HostHome(SandboxContext context)
    {
        var home = context.HostHome;
        if (string.IsNullOrEmpty(home)) home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home)) home = UnixAccounts.FindUser(UnixAccounts.EffectiveUserId)?.Home;
        return string.IsNullOrEmpty(home) || !home.StartsWith('/') ? "/root" : SandboxPaths.Normalize(home);
    }

    private static string Absolute(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path) || !path.StartsWith('/'))
            throw new KaiException("SandboxPolicyInvalid", KaiErrorKind.InvalidArgument, $"The sandbox {what} directory '{path}' is not an absolute path.", path);
        return SandboxPaths.Normalize(path);
    }

    private static string[] Distinct(IEnumerable<string> paths) => paths.Distinct(StringComparer.Ordinal).ToArray();
}

/// <summary>
/// A policy as written (in a file or as parameters), before `~`/`${…}` are expanded. Lists add to the default
/// policy unless <see cref="ExtendDefault"/> is false; <see cref="Network"/> and the limits replace it.
/// </summary>
public sealed record SandboxPolicySpec
{
    public bool ExtendDefault { get; init; } = true;
    public bool? Network { get; init; }
    public IReadOnlyList<string>? ReadDeny { get; init; }
    public IReadOnlyList<string>? ReadAllow { get; init; }
    public IReadOnlyList<string>? WriteAllow { get; init; }
    public IReadOnlyList<string>? WriteDeny { get; init; }
    public IReadOnlyList<string>? Scratch { get; init; }
    public IReadOnlyList<string>? EnvironmentAllow { get; init; }
    public IReadOnlyDictionary<string, string>? EnvironmentSet { get; init; }
    public long? MemoryLimitBytes { get; init; }
    public int? MaxProcesses { get; init; }
}
