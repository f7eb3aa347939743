namespace Kai.Native.Sandbox;

/// <summary>What a sandboxed process can do with a path.</summary>
public enum SandboxAccess
{
    /// <summary>Not visible: an empty directory or /dev/null stands in its place.</summary>
    Hidden,
    ReadOnly,
    Writable,
    /// <summary>A private scratch area: the host's content is not visible and writes never reach the host.</summary>
    Private,
}

/// <summary>Why a path is hidden, read-only or writable in the sandbox, with the deciding rule's id.</summary>
public sealed record SandboxExplanation(
    string Path,
    string ResolvedPath,
    SandboxAccess Access,
    string RuleId,
    string Reason,
    IReadOnlyList<string> Notes)
{
    public bool Readable => Access != SandboxAccess.Hidden;
    public bool Writable => Access is SandboxAccess.Writable or SandboxAccess.Private;
}

/// <summary>Explains a path against the same mount plan the backend renders, so the explanation is what runs.</summary>
public static class SandboxExplainer
{
    public static SandboxExplanation Explain(SandboxPolicy policy, string path) =>
        Explain(policy, path, SandboxMountPlan.Build(policy, createWritable: false));

    public static SandboxExplanation Explain(SandboxPolicy policy, string path, SandboxMountPlan plan)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(path);
        var absolute = Absolute(policy, path);
        var resolved = SandboxPaths.Resolve(absolute);
        var notes = new List<string>();
        if (resolved != absolute) notes.Add($"{absolute} resolves to {resolved}; rules apply to the resolved path.");

        // A deny that applies to a path that is not there now: the sandbox cannot create it there (or it is hidden if
        // it exists when a sandbox starts), so the deny is the answer to "which rule hides it".
        var mount = plan.Covering(resolved);
        var closed = plan.Unreadable.Where(u => SandboxPaths.IsSameOrUnder(resolved, u.Path)).MaxBy(u => SandboxPaths.Depth(u.Path));
        if (closed is not null && (mount is null || SandboxPaths.Depth(mount.Path) <= SandboxPaths.Depth(closed.Path)))
            return new SandboxExplanation(path, resolved, SandboxAccess.Hidden, closed.RuleId,
                $"Hidden: the sandbox runs as you, and file permissions already keep you out of {closed.Path}; {closed.RuleId} hides it should that change.", notes);
        if (!File.Exists(resolved) && !Directory.Exists(resolved))
        {
            foreach (var rule in policy.Rules.Where(r => r.Kind is SandboxRuleKind.ReadDeny or SandboxRuleKind.WriteDeny))
            {
                var anchor = Anchor(rule, resolved);
                if (anchor is null) continue;
                if (rule.Kind == SandboxRuleKind.ReadDeny && (mount is null || SandboxPaths.Depth(mount.Path) <= SandboxPaths.Depth(anchor)))
                    return new SandboxExplanation(path, resolved, SandboxAccess.Hidden, rule.Id,
                        $"Hidden by {rule.Id}: nothing exists there now, and anything there when a sandbox starts is hidden.", notes);
                notes.Add($"{rule.Id} applies here; nothing exists at {anchor} now, and it takes effect if something does when a sandbox starts.");
            }
        }

        var special = Special(resolved);
        if (special is not null && (mount is null || SandboxPaths.Depth(mount.Path) < SandboxPaths.Depth(special.Value.Root)))
            return new SandboxExplanation(path, resolved, special.Value.Access, special.Value.Rule, special.Value.Reason, notes);

        if (mount is null)
        {
            var writable = string.Join(", ", policy.WriteAllow);
            return new SandboxExplanation(path, resolved, SandboxAccess.ReadOnly, SandboxRuleIds.WriteAllow(NearestExisting(resolved)),
                $"Read-only: outside the write allow-list ({(writable.Length == 0 ? "nothing is writable" : "writable: " + writable)}).", notes);
        }

        var at = resolved == mount.Path;
        var (access, reason) = mount.Kind switch
        {
            SandboxMountKind.Scratch => (SandboxAccess.Private,
                $"A private scratch directory: the host's {mount.Path} is not visible, and writes there vanish when the sandbox exits."),
            SandboxMountKind.Writable => (SandboxAccess.Writable, $"Writable via {mount.RuleId} ({Describe(policy, mount.Path)})."),
            SandboxMountKind.ReadOnly => (SandboxAccess.ReadOnly, $"Read-only: {mount.RuleId} shows it again beneath a hidden directory."),
            SandboxMountKind.WriteProtected => (SandboxAccess.ReadOnly,
                at ? $"Read-only but readable: {mount.RuleId} protects it inside a writable place."
                   : $"Read-only but readable: it lies in {mount.Path}, which {mount.RuleId} protects inside a writable place."),
            SandboxMountKind.HiddenDirectory => (SandboxAccess.Hidden,
                at ? $"Hidden by {mount.RuleId}: the sandbox sees an empty directory here."
                   : $"Hidden: it lies in {mount.Path}, which {mount.RuleId} replaces with an empty directory."),
            _ => (SandboxAccess.Hidden, $"Hidden by {mount.RuleId}: the sandbox reads an empty file (/dev/null) here."),
        };
        if (mount.Kind == SandboxMountKind.WriteProtected && File.Exists(absolute) && new FileInfo(absolute).LinkTarget is not null && absolute != resolved)
            notes.Add($"{absolute} is a symbolic link in a writable place: its target is protected, the link itself can be replaced.");
        return new SandboxExplanation(path, resolved, access, mount.RuleId, reason, notes);
    }

    /// <summary>The path (the match itself or an ancestor of <paramref name="path"/>) that <paramref name="rule"/> names, or null.</summary>
    private static string? Anchor(SandboxRule rule, string path)
    {
        if (rule.IsGlob)
        {
            var glob = SandboxGlob.Parse(rule.Path!);
            for (var current = path; current is not null; current = SandboxPaths.Parent(current))
                if (glob.IsMatch(current)) return current;
            return null;
        }
        var target = SandboxPaths.Resolve(rule.Path!);
        return SandboxPaths.IsSameOrUnder(path, target) ? target : null;
    }

    private static string Absolute(SandboxPolicy policy, string path)
    {
        if (path.StartsWith('/')) return SandboxPaths.Normalize(path);
        if (policy.Context is { } context)
        {
            if (path.StartsWith('~') || path.Contains("${", StringComparison.Ordinal))
            {
                try
                {
                    return SandboxPolicies.ExpandPath(path, context);
                }
                catch (FormatException ex)
                {
                    throw new KaiException("SandboxPathInvalid", KaiErrorKind.InvalidArgument, $"Cannot explain '{path}': {ex.Message}.", path);
                }
            }
            return SandboxPaths.Normalize(SandboxPaths.Join(SandboxPaths.Normalize(context.Workspace), path));
        }
        throw new KaiException("SandboxPathInvalid", KaiErrorKind.InvalidArgument, $"Cannot explain '{path}': it is not an absolute path.", path);
    }

    private static (string Root, SandboxAccess Access, string Rule, string Reason)? Special(string path)
    {
        if (SandboxPaths.IsSameOrUnder(path, "/proc/sys"))
            return ("/proc/sys", SandboxAccess.ReadOnly, "proc", "Read-only: kernel settings can never be changed from a sandbox.");
        if (SandboxPaths.IsSameOrUnder(path, "/proc"))
            return ("/proc", SandboxAccess.ReadOnly, "proc", "The sandbox's own /proc: it shows only the sandbox's processes.");
        if (SandboxPaths.IsSameOrUnder(path, "/dev"))
            return ("/dev", SandboxAccess.ReadOnly, "dev", "A minimal /dev (null, zero, full, random, urandom, tty, pts, shm); host devices are not visible.");
        return null;
    }

    private static string Describe(SandboxPolicy policy, string path)
    {
        if (policy.Context is { } c)
        {
            if (Same(c.Workspace, path)) return "the workspace";
            if (Same(c.Home, path)) return "the session home";
            if (Same(c.TempDirectory, path)) return "the session's temporary directory";
        }
        return "an allowed writable place";

        static bool Same(string? a, string b) => !string.IsNullOrEmpty(a) && a.StartsWith('/') && SandboxPaths.Resolve(a) == b;
    }

    /// <summary>The path itself if it exists, else its nearest existing parent (what a write-allow can name).</summary>
    internal static string NearestExisting(string path)
    {
        for (var current = path; current is not null; current = SandboxPaths.Parent(current))
            if (Directory.Exists(current) || File.Exists(current)) return current;
        return "/";
    }
}
