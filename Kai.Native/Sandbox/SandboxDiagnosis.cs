using System.Text.RegularExpressions;

namespace Kai.Native.Sandbox;

/// <summary>Which rule most likely stopped a command, and on what.</summary>
public sealed record SandboxBlock(string RuleId, string? Path, string Evidence);

/// <summary>
/// Reads a failed command's stderr for the marks the sandbox leaves (EROFS, an unreachable network, a missing or
/// unreadable file under a hidden directory) and names the rule, for <c>ExecResult.BlockedBy</c> and for an
/// approval that lifts exactly that rule.
/// </summary>
public static partial class SandboxDiagnosis
{
    // Messages of coreutils, bash, python, node, git, curl and friends.
    [GeneratedRegex(@"(?:[Rr]ead-only file system|EROFS)")]
    private static partial Regex ReadOnly();

    [GeneratedRegex(@"(?:Network is unreachable|Could not resolve host|Temporary failure in name resolution|Name or service not known|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|No address associated with hostname|nodename nor servname|Failed to establish a new connection|Cannot assign requested address|unable to resolve host address|Couldn't resolve host)", RegexOptions.IgnoreCase)]
    private static partial Regex NetworkDown();

    [GeneratedRegex(@"(?:Permission denied|No such file or directory|EACCES|ENOENT|Not a directory|Operation not permitted)")]
    private static partial Regex Unreadable();

    // Quoted paths ('…', "…", ‘…’), "tool: path: message" fields, and bare absolute paths.
    [GeneratedRegex(@"['""‘`](?<p>(?:/|\./|\.\./|~/)?[^'""’`\n]+)['""’`]|(?:^|: )(?<p>[^\s:'""‘’`]+)(?=: )|(?<p>/[^\s:'""]+)(?=:)|(?<p>/[^\s'""]+)")]
    private static partial Regex PathPattern();

    /// <summary>The id of the rule that most likely blocked the command, or null.</summary>
    public static string? BlockedBy(SandboxPolicy policy, int? exitCode, string? stderr, string? workingDirectory = null) =>
        Diagnose(policy, exitCode, stderr, workingDirectory)?.RuleId;

    public static SandboxBlock? Diagnose(SandboxPolicy policy, int? exitCode, string? stderr, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (exitCode == 0 || string.IsNullOrEmpty(stderr)) return null;
        SandboxMountPlan? plan = null;
        SandboxMountPlan Plan() => plan ??= SandboxMountPlan.Build(policy, createWritable: false);

        foreach (var line in stderr.Split('\n'))
        {
            if (ReadOnly().IsMatch(line))
            {
                foreach (var candidate in Paths(line, workingDirectory, policy))
                {
                    var explanation = SandboxExplainer.Explain(policy, candidate, Plan());
                    if (explanation.Writable) continue;
                    var rule = explanation.Access == SandboxAccess.Hidden
                        ? explanation.RuleId
                        : explanation.RuleId.StartsWith(SandboxRuleIds.WriteAllowPrefix, StringComparison.Ordinal)
                            ? SandboxRuleIds.WriteAllow(WritableTarget(explanation.ResolvedPath))
                            : explanation.RuleId;
                    return new SandboxBlock(rule, explanation.ResolvedPath, line.Trim());
                }
            }
            if (!policy.Network && NetworkDown().IsMatch(line))
                return new SandboxBlock(SandboxRuleIds.Network, null, line.Trim());
            if (Unreadable().IsMatch(line))
            {
                foreach (var candidate in Paths(line, workingDirectory, policy))
                {
                    var explanation = SandboxExplainer.Explain(policy, candidate, Plan());
                    // Only a path the host really has: lifting the rule would not conjure up a missing file.
                    if (!File.Exists(explanation.ResolvedPath) && !Directory.Exists(explanation.ResolvedPath)) continue;
                    if (explanation.Access == SandboxAccess.Hidden) return new SandboxBlock(explanation.RuleId, explanation.ResolvedPath, line.Trim());
                    if (explanation.RuleId.StartsWith(SandboxRuleIds.WriteDenyPrefix, StringComparison.Ordinal) && line.Contains("Permission denied", StringComparison.Ordinal))
                        return new SandboxBlock(explanation.RuleId, explanation.ResolvedPath, line.Trim());
                }
            }
        }
        return null;
    }

    /// <summary>Creating a file needs its directory writable; changing one needs the file itself.</summary>
    private static string WritableTarget(string path) =>
        File.Exists(path) || Directory.Exists(path) ? path : SandboxExplainer.NearestExisting(path);

    private static IEnumerable<string> Paths(string line, string? workingDirectory, SandboxPolicy policy)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in PathPattern().Matches(line))
        {
            var text = match.Groups["p"].Value.Trim();
            if (text.Length == 0 || text.Contains("://", StringComparison.Ordinal)) continue;
            string absolute;
            if (text.StartsWith('/')) absolute = text;
            else if (text.StartsWith("~/", StringComparison.Ordinal) && policy.Context is { } c) absolute = SandboxPaths.Join(c.Home, text[2..]);
            else if (workingDirectory is not null && !text.Contains(' ') && (text.Contains('/') || text.Contains('.'))) absolute = SandboxPaths.Join(workingDirectory, text);
            else continue;
            try
            {
                absolute = SandboxPaths.Normalize(absolute);
            }
            catch (ArgumentException)
            {
                continue;
            }
            if (seen.Add(absolute)) yield return absolute;
        }
    }
}
