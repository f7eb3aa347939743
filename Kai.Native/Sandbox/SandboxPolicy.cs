using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kai.Native.Sandbox;

/// <summary>
/// What a sandboxed process may see and touch, already rendered against a <see cref="SandboxContext"/> (paths are
/// absolute; `~` and `${…}` are expanded). Rendered by an <see cref="ISandboxBackend"/>; every rule has a stable id
/// (<see cref="SandboxRule"/>). Build one with <see cref="SandboxPolicies"/>; <see cref="Validate"/> checks it.
/// </summary>
public sealed record SandboxPolicy
{
    /// <summary>Paths or globs hidden from the sandbox (directory → empty read-only tmpfs, file → /dev/null).</summary>
    public IReadOnlyList<string> ReadDeny { get; init; } = Array.Empty<string>();
    /// <summary>Paths re-allowed (read-only) beneath a denied directory.</summary>
    public IReadOnlyList<string> ReadAllow { get; init; } = Array.Empty<string>();
    /// <summary>The only writable places (workspace, session home, per-session tmp); all else read-only. Created when missing.</summary>
    public IReadOnlyList<string> WriteAllow { get; init; } = Array.Empty<string>();
    /// <summary>Read-only (but readable) islands inside writable places (rc files, .git/hooks, .git/config); these win.</summary>
    public IReadOnlyList<string> WriteDeny { get; init; } = Array.Empty<string>();
    /// <summary>Private, empty, writable tmpfs directories (the host's /tmp is not visible; they vanish with the sandbox).</summary>
    public IReadOnlyList<string> Scratch { get; init; } = Array.Empty<string>();
    public bool Network { get; init; }
    /// <summary>Variables that may pass into the sandbox (a name or `PREFIX*`); everything else is cleared.</summary>
    public IReadOnlyList<string> EnvironmentAllow { get; init; } = Array.Empty<string>();
    /// <summary>Variables the sandbox always gets with these values (HOME, USER, SHELL, TMPDIR of the session).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentSet { get; init; } = new Dictionary<string, string>();
    /// <summary>Address-space limit of every process in the sandbox (RLIMIT_AS), in bytes.</summary>
    public long? MemoryLimitBytes { get; init; }
    /// <summary>Most processes the sandbox may run at once.</summary>
    public int? MaxProcesses { get; init; }
    /// <summary>The context the policy was rendered against (for explanations, the preflight and a canonical hash).</summary>
    public SandboxContext? Context { get; init; }
    /// <summary>Where the policy came from: "default", a file path, or "parameters".</summary>
    public string Source { get; init; } = "parameters";

    /// <summary>Every rule, each with its stable id.</summary>
    public IReadOnlyList<SandboxRule> Rules
    {
        get
        {
            var rules = new List<SandboxRule>
            {
                new(SandboxRuleIds.Network, SandboxRuleKind.Network, null, Network ? "network access is allowed" : "no network: only a private loopback"),
            };
            rules.AddRange(ReadDeny.Select(p => new SandboxRule(SandboxRuleIds.ReadDeny(p), SandboxRuleKind.ReadDeny, p, $"{p} is hidden")));
            rules.AddRange(ReadAllow.Select(p => new SandboxRule(SandboxRuleIds.ReadAllow(p), SandboxRuleKind.ReadAllow, p, $"{p} is visible (read-only) beneath a hidden directory")));
            rules.AddRange(WriteAllow.Select(p => new SandboxRule(SandboxRuleIds.WriteAllow(p), SandboxRuleKind.WriteAllow, p, $"{p} is writable")));
            rules.AddRange(WriteDeny.Select(p => new SandboxRule(SandboxRuleIds.WriteDeny(p), SandboxRuleKind.WriteDeny, p, $"{p} is read-only")));
            rules.AddRange(Scratch.Select(p => new SandboxRule(SandboxRuleIds.Scratch(p), SandboxRuleKind.Scratch, p, $"{p} is a private scratch directory")));
            if (MemoryLimitBytes is { } memory)
                rules.Add(new(SandboxRuleIds.MemoryLimit, SandboxRuleKind.MemoryLimit, null, $"address space limited to {memory:N0} bytes per process"));
            if (MaxProcesses is { } processes)
                rules.Add(new(SandboxRuleIds.ProcessLimit, SandboxRuleKind.ProcessLimit, null, $"at most {processes} processes"));
            return rules;
        }
    }

    /// <summary>
    /// A copy with exactly rule <paramref name="ruleId"/> lifted (for an approved re-run): <c>network</c> turns the
    /// network on, <c>read-deny:P</c> / <c>write-deny:P</c> drop that entry, <c>write-allow:P</c> adds P to the
    /// writable places, <c>limit:*</c> drops the limit.
    /// </summary>
    public SandboxPolicy Relax(string ruleId)
    {
        ArgumentNullException.ThrowIfNull(ruleId);
        if (!SandboxRuleIds.TryParse(ruleId, out var kind, out var path))
            throw new KaiException("SandboxRuleNotFound", KaiErrorKind.InvalidArgument,
                $"'{ruleId}' is not a sandbox rule id (expected network, read-deny:<path>, write-deny:<path>, write-allow:<path>, limit:memory or limit:processes).", ruleId);
        SandboxPolicy Missing() => throw new KaiException("SandboxRuleNotFound", KaiErrorKind.ObjectNotFound,
            $"The policy has no rule '{ruleId}' to lift.", ruleId);
        return kind switch
        {
            SandboxRuleKind.Network => this with { Network = true },
            SandboxRuleKind.ReadDeny => ReadDeny.Contains(path!) ? this with { ReadDeny = ReadDeny.Where(p => p != path).ToArray() } : Missing(),
            SandboxRuleKind.WriteDeny => WriteDeny.Contains(path!) ? this with { WriteDeny = WriteDeny.Where(p => p != path).ToArray() } : Missing(),
            SandboxRuleKind.WriteAllow => RelaxWrite(path!, ruleId),
            SandboxRuleKind.MemoryLimit => MemoryLimitBytes is null ? Missing() : this with { MemoryLimitBytes = null },
            SandboxRuleKind.ProcessLimit => MaxProcesses is null ? Missing() : this with { MaxProcesses = null },
            _ => throw new KaiException("SandboxRuleNotRelaxable", KaiErrorKind.InvalidArgument,
                $"'{ruleId}' widens nothing: only denies, the write allow-list, the network and limits can be lifted.", ruleId),
        };
    }

    private SandboxPolicy RelaxWrite(string path, string ruleId)
    {
        if (!path.StartsWith('/') || SandboxGlob.IsGlob(path))
            throw new KaiException("SandboxRuleNotFound", KaiErrorKind.InvalidArgument, $"'{ruleId}' must name an absolute path.", ruleId);
        var normalized = SandboxPaths.Normalize(path);
        return WriteAllow.Contains(normalized) ? this : this with { WriteAllow = WriteAllow.Append(normalized).ToArray() };
    }

    /// <summary>Checks the rules that can be checked without a backend; throws <see cref="KaiException"/> naming the rule.</summary>
    public SandboxPolicy Validate()
    {
        SandboxPolicyValidator.Validate(this);
        return this;
    }

    /// <summary>
    /// sha256 (hex) over a canonical form of the rules: lists sorted and de-duplicated, the context's own paths
    /// replaced by <c>${workspace}</c>, <c>${home}</c>, <c>${tmp}</c>, <c>${data}</c>, so two sessions with the same rules share it.
    /// </summary>
    public string Hash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalForm()))).ToLowerInvariant();

    /// <summary>The text <see cref="Hash"/> is computed over (stable across runs and machines for the same rules).</summary>
    public string CanonicalForm()
    {
        var substitutions = ContextSubstitutions();
        string Canon(string path)
        {
            foreach (var (prefix, variable) in substitutions)
                if (SandboxPaths.IsSameOrUnder(path, prefix)) return variable + path[prefix.Length..];
            return path;
        }
        IEnumerable<string> Paths(IEnumerable<string> paths) => paths.Select(Canon).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("v", 1);
            void List(string name, IEnumerable<string> items)
            {
                json.WriteStartArray(name);
                foreach (var item in items) json.WriteStringValue(item);
                json.WriteEndArray();
            }
            List("readDeny", Paths(ReadDeny));
            List("readAllow", Paths(ReadAllow));
            List("writeAllow", Paths(WriteAllow));
            List("writeDeny", Paths(WriteDeny));
            List("scratch", Paths(Scratch));
            json.WriteBoolean("network", Network);
            List("envAllow", EnvironmentAllow.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            json.WriteStartObject("envSet");
            foreach (var (name, value) in EnvironmentSet.OrderBy(p => p.Key, StringComparer.Ordinal))
                json.WriteString(name, value.StartsWith('/') ? Canon(value) : value);
            json.WriteEndObject();
            if (MemoryLimitBytes is { } memory) json.WriteNumber("memory", memory);
            if (MaxProcesses is { } processes) json.WriteNumber("processes", processes);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private List<(string Prefix, string Variable)> ContextSubstitutions()
    {
        var list = new List<(string, string)>();
        if (Context is null) return list;
        void Add(string? path, string variable)
        {
            if (!string.IsNullOrEmpty(path) && path.StartsWith('/') && path != "/") list.Add((SandboxPaths.Normalize(path), variable));
        }
        Add(Context.Workspace, "${workspace}");
        Add(Context.Home, "${home}");
        Add(Context.TempDirectory, "${tmp}");
        Add(Context.DataDirectory, "${data}");
        // Longest first, so a session home inside the data directory becomes ${home}, not ${data}/….
        return list.OrderByDescending(p => p.Item1.Length).ToList();
    }

    /// <summary>Which rule hides, protects or allows <paramref name="path"/>, in words and as a rule id.</summary>
    public SandboxExplanation Explain(string path) => SandboxExplainer.Explain(this, path);
}
