using System.Text;

namespace Kai.Native.Sandbox;

/// <summary>
/// Renders a policy as a Seatbelt (SBPL) profile for macOS's sandbox-exec: allow by default, then the policy's
/// read denies, a write allow-list with write denies that win, no network, no view of or signals to other
/// processes. Rules on deeper paths come later, and later rules win in SBPL, as with bubblewrap's mounts; glob
/// denies come last of all. Every path is resolved (macOS's /tmp is /private/tmp) and escaped: a path cannot
/// end a string literal or inject a rule.
/// </summary>
public static class SbplProfile
{
    public static string Render(SandboxPolicy policy, Func<string, string>? resolve = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        resolve ??= SandboxPaths.Resolve;
        var profile = new StringBuilder();
        profile.Append("(version 1)\n");
        profile.Append(";; Kai sandbox policy ").Append(Comment(policy.Source)).Append(" (").Append(policy.Hash[..12]).Append(")\n");
        profile.Append("(allow default)\n");

        if (!policy.Network)
        {
            profile.Append(";; rule network: no network, no host sockets\n");
            profile.Append("(deny network*)\n");
        }
        profile.Append(";; no view of, and no signals to, processes outside this sandbox\n");
        profile.Append("(deny process-info*)\n(allow process-info* (target same-sandbox))\n");
        profile.Append("(deny signal)\n(allow signal (target same-sandbox))\n");

        // Reading: denies hide, allows (re-allow, writable places, scratch) re-expose beneath them.
        var reads = new List<Entry>();
        reads.AddRange(policy.ReadDeny.Select(p => Entry.For(p, deny: true, SandboxRuleIds.ReadDeny(p), resolve)));
        reads.AddRange(policy.ReadAllow.Select(p => Entry.For(p, deny: false, SandboxRuleIds.ReadAllow(p), resolve)));
        reads.AddRange(policy.WriteAllow.Select(p => Entry.For(p, deny: false, SandboxRuleIds.WriteAllow(p), resolve)));
        reads.AddRange(policy.Scratch.Select(p => Entry.For(p, deny: false, SandboxRuleIds.Scratch(p), resolve)));
        Emit(profile, "file-read*", reads);

        // Writing: nothing but the allow-list (and the devices every shell needs), write denies and hidden paths win.
        profile.Append(";; rule write-allow: everything else is read-only\n");
        profile.Append("(deny file-write*)\n");
        profile.Append("(allow file-write* (literal \"/dev/null\") (literal \"/dev/zero\") (literal \"/dev/tty\") (regex #\"^/dev/fd/\") (regex #\"^/dev/ttys[0-9]+$\"))\n");
        var writes = new List<Entry>();
        writes.AddRange(policy.WriteAllow.Select(p => Entry.For(p, deny: false, SandboxRuleIds.WriteAllow(p), resolve)));
        // macOS has no private tmpfs: a scratch directory is the host's own, writable.
        writes.AddRange(policy.Scratch.Select(p => Entry.For(p, deny: false, SandboxRuleIds.Scratch(p), resolve)));
        writes.AddRange(policy.WriteDeny.Select(p => Entry.For(p, deny: true, SandboxRuleIds.WriteDeny(p), resolve)));
        writes.AddRange(policy.ReadDeny.Select(p => Entry.For(p, deny: true, SandboxRuleIds.ReadDeny(p), resolve)));
        Emit(profile, "file-write*", writes);
        return profile.ToString();
    }

    private static void Emit(StringBuilder profile, string operation, List<Entry> entries)
    {
        var ordered = entries
            .GroupBy(e => (e.Filter, e.Deny)).Select(g => g.First())
            .OrderBy(e => e.Depth)
            .ThenBy(e => e.Deny ? 1 : 0)
            .ThenBy(e => e.Filter, StringComparer.Ordinal);
        foreach (var entry in ordered)
        {
            profile.Append(";; rule ").Append(Comment(entry.RuleId)).Append('\n');
            profile.Append('(').Append(entry.Deny ? "deny " : "allow ").Append(operation).Append(' ').Append(entry.Filter).Append(")\n");
        }
    }

    private sealed record Entry(string Filter, bool Deny, int Depth, string RuleId)
    {
        public static Entry For(string path, bool deny, string ruleId, Func<string, string> resolve)
        {
            if (SandboxGlob.IsGlob(path))
            {
                var glob = SandboxGlob.Parse(path);
                var resolvedBase = resolve(glob.BaseDirectory);
                var rebased = resolvedBase == glob.BaseDirectory ? glob : SandboxGlob.Parse(SandboxPaths.Join(resolvedBase, path[(glob.BaseDirectory.Length + 1)..]));
                // Pattern rules name specific files: they win over every directory rule.
                return new Entry($"(regex #{Quote(rebased.PosixRegex)})", deny, int.MaxValue, ruleId);
            }
            var resolved = resolve(path);
            return new Entry($"(subpath {Quote(resolved)})", deny, SandboxPaths.Depth(resolved), ruleId);
        }
    }

    /// <summary>An SBPL string literal: backslash, quote and line breaks escaped; other control characters refused.</summary>
    public static string Quote(string value)
    {
        var result = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    result.Append("\\\\");
                    break;
                case '"':
                    result.Append("\\\"");
                    break;
                case '\n':
                    result.Append("\\n");
                    break;
                case '\r':
                    result.Append("\\r");
                    break;
                case '\t':
                    result.Append("\\t");
                    break;
                default:
                    if (char.IsControl(c))
                        throw new KaiException("SandboxRuleUnenforceable", KaiErrorKind.InvalidData,
                            $"A sandbox path contains the control character U+{(int)c:X4}, which a sandbox-exec profile cannot express.", value);
                    result.Append(c);
                    break;
            }
        }
        return result.Append('"').ToString();
    }

    /// <summary>Text for a `;;` comment: one line, nothing that could end it.</summary>
    private static string Comment(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
