using System.Text.RegularExpressions;
using Kai.Service.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Kai.Service.Approvals;

/// <summary>One approvals.yaml rule: what marks a command as needing approval.</summary>
public sealed record ApprovalRule(string Id, string Description, Regex? Pattern, bool Network, bool WriteOutsideWorkspace, IReadOnlyList<Regex> Sessions);

/// <summary>What matched, for the approval record.</summary>
public sealed record ApprovalMatch(string RuleId, string Reason);

/// <summary>
/// approvals.yaml: which commands need an approval before they run.
/// <code>
/// timeoutSeconds: 600            # unanswered approvals are denied after this
/// rules:
///   - id: recursive-delete
///     description: Recursive deletes
///     pattern: '\brm\s+-[a-zA-Z]*[rR]'   # a regular expression, or:
///   - id: package-install
///     glob: 'apt-get install *'         # a shell-style glob over the whole command
///   - id: network
///     network: true                     # commands that reach the network (curl, wget, ssh, git fetch, pip install…)
///   - id: outside-workspace
///     writeOutsideWorkspace: true       # redirects, cp/mv/rm/tee/mkdir… to paths outside the session's workspace
///     sessions: ['prod-*']              # optional: only these sessions
/// </code>
/// The sandbox stays the enforcement boundary; these rules are a human gate in front of it.
/// </summary>
public sealed class ApprovalPolicy
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(600);

    public ApprovalPolicy(IReadOnlyList<ApprovalRule> rules, TimeSpan timeout, string? source)
    {
        Rules = rules;
        Timeout = timeout;
        Source = source;
    }

    public static ApprovalPolicy Empty { get; } = new(Array.Empty<ApprovalRule>(), DefaultTimeout, null);

    public IReadOnlyList<ApprovalRule> Rules { get; }
    public TimeSpan Timeout { get; }
    public string? Source { get; }

    /// <summary>True when some rule needs the session's workspace (writeOutsideWorkspace): only then must the caller look it up.</summary>
    public bool NeedsWorkspace => Rules.Any(r => r.WriteOutsideWorkspace);

    public ApprovalMatch? Match(string session, string command, string workspace, string workingDirectory)
    {
        foreach (var rule in Rules)
        {
            if (rule.Sessions.Count > 0 && !rule.Sessions.Any(s => s.IsMatch(session))) continue;
            if (rule.Pattern is { } pattern && pattern.IsMatch(command))
                return new ApprovalMatch(rule.Id, $"{rule.Description} (matches rule '{rule.Id}')");
            if (rule.Network && CommandAnalysis.UsesNetwork(command) is { } tool)
                return new ApprovalMatch(rule.Id, $"{rule.Description}: '{tool}' reaches the network (rule '{rule.Id}')");
            if (rule.WriteOutsideWorkspace && CommandAnalysis.WriteOutside(command, workspace, workingDirectory) is { } path)
                return new ApprovalMatch(rule.Id, $"{rule.Description}: writes '{path}' outside the workspace {workspace} (rule '{rule.Id}')");
        }
        return null;
    }

    public static ApprovalPolicy Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ServiceConfigurationException($"{path}: cannot read the approval policy: {ex.Message}", path);
        }
        return Parse(text, path);
    }

    public static ApprovalPolicy Parse(string text, string source)
    {
        PolicyFile? file;
        try
        {
            file = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<PolicyFile?>(text);
        }
        catch (YamlException ex)
        {
            var inner = ex.InnerException?.Message ?? ex.Message;
            throw new ServiceConfigurationException($"{source}, line {ex.Start.Line}: {inner}", source);
        }
        file ??= new PolicyFile();
        var timeout = file.TimeoutSeconds is { } seconds
            ? seconds is > 0 and <= 86400 ? TimeSpan.FromSeconds(seconds)
                : throw new ServiceConfigurationException($"{source}: timeoutSeconds must be 1-86400, not {seconds}.", source)
            : DefaultTimeout;
        var rules = new List<ApprovalRule>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (raw, index) in (file.Rules ?? new List<RuleFile>()).Select((r, i) => (r, i + 1)))
        {
            var where = $"{source}: rule {index}";
            if (string.IsNullOrWhiteSpace(raw.Id)) throw new ServiceConfigurationException($"{where} has no id.", source);
            if (!ids.Add(raw.Id)) throw new ServiceConfigurationException($"{where}: the id '{raw.Id}' is used twice.", source);
            var kinds = (raw.Pattern is null ? 0 : 1) + (raw.Glob is null ? 0 : 1) + (raw.Network ? 1 : 0) + (raw.WriteOutsideWorkspace ? 1 : 0);
            if (kinds != 1)
                throw new ServiceConfigurationException($"{where} ('{raw.Id}') needs exactly one of pattern, glob, network: true, writeOutsideWorkspace: true.", source);
            Regex? pattern = null;
            if (raw.Pattern is not null) pattern = Compile(raw.Pattern, $"{where} ('{raw.Id}')", source);
            if (raw.Glob is not null) pattern = new Regex("^" + GlobToRegex(raw.Glob) + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            var sessions = (raw.Sessions ?? new List<string>()).Select(s => new Regex("^" + GlobToRegex(s) + "$", RegexOptions.CultureInvariant)).ToList();
            rules.Add(new ApprovalRule(raw.Id, raw.Description ?? raw.Id, pattern, raw.Network, raw.WriteOutsideWorkspace, sessions));
        }
        return new ApprovalPolicy(rules, timeout, source);
    }

    private static Regex Compile(string pattern, string where, string source)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new ServiceConfigurationException($"{where}: invalid regular expression: {ex.Message}", source);
        }
    }

    internal static string GlobToRegex(string glob)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var c in glob)
        {
            builder.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }
        return builder.ToString();
    }

    private sealed class PolicyFile
    {
        public int? TimeoutSeconds { get; set; }
        public List<RuleFile>? Rules { get; set; }
    }

    private sealed class RuleFile
    {
        public string? Id { get; set; }
        public string? Description { get; set; }
        public string? Pattern { get; set; }
        public string? Glob { get; set; }
        public bool Network { get; set; }
        public bool WriteOutsideWorkspace { get; set; }
        public List<string>? Sessions { get; set; }
    }
}
