namespace Kai.Native.Sandbox;

/// <summary>What one mount in the sandbox's view does.</summary>
public enum SandboxMountKind
{
    /// <summary>A private, empty, writable tmpfs (the host directory is not visible).</summary>
    Scratch,
    /// <summary>The host path, writable.</summary>
    Writable,
    /// <summary>The host path, read-only, visible again beneath a hidden directory.</summary>
    ReadOnly,
    /// <summary>The host path, read-only and readable inside a writable place (rc files, git hooks).</summary>
    WriteProtected,
    /// <summary>An empty read-only tmpfs instead of the host directory.</summary>
    HiddenDirectory,
    /// <summary>/dev/null instead of the host file.</summary>
    HiddenFile,
}

/// <summary>One mount, on the resolved host path, with the rule it enforces.</summary>
public sealed record SandboxMount(SandboxMountKind Kind, string Path, string RuleId)
{
    internal int Precedence => Kind switch
    {
        SandboxMountKind.Scratch => 0,
        SandboxMountKind.Writable => 1,
        SandboxMountKind.ReadOnly => 2,
        SandboxMountKind.WriteProtected => 3,
        _ => 4,
    };
}

/// <summary>
/// A policy resolved against the file system right now: globs expanded, symlinks resolved, missing paths
/// dropped (nothing there to hide) and write-allow directories created. The mounts are ordered so that the
/// deeper path is mounted later (and so wins); at the same path the stronger rule wins (denies over allows).
/// Both the bubblewrap renderer and <see cref="SandboxExplainer"/> use it, so what is explained is what runs.
/// </summary>
public sealed class SandboxMountPlan
{
    private SandboxMountPlan(IReadOnlyList<SandboxMount> mounts, IReadOnlyList<string> notes, IReadOnlyList<SandboxMount> unreadable)
    {
        Mounts = mounts;
        Notes = notes;
        Unreadable = unreadable;
    }

    /// <summary>
    /// Denied paths not mounted because the sandbox's user cannot read them anyway (file permissions): a sandbox
    /// started by a normal user runs as that user, so a root-only file stays closed without a mount. Never used for
    /// root, whose sandbox would read root's files.
    /// </summary>
    public IReadOnlyList<SandboxMount> Unreadable { get; }

    /// <summary>In mount order (parents before children).</summary>
    public IReadOnlyList<SandboxMount> Mounts { get; }
    /// <summary>Rules that have nothing to act on now (a missing path), for explanations.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <param name="createWritable">Create missing write-allow directories (false for a dry run, such as an explanation).</param>
    /// <param name="hostUid">Who starts the sandbox (null: this process). Only a non-root caller skips denies of paths it cannot read.</param>
    public static SandboxMountPlan Build(SandboxPolicy policy, bool createWritable = true, int globBudget = SandboxGlob.DefaultBudget, uint? hostUid = null)
    {
        var skipUnreadable = (hostUid ?? Platform.UnixAccounts.EffectiveUserId) != 0 && (hostUid is null || hostUid == Platform.UnixAccounts.EffectiveUserId);
        var unreadable = new List<SandboxMount>();
        policy.Validate();
        var candidates = new List<SandboxMount>();
        var notes = new List<string>();

        foreach (var scratch in policy.Scratch)
        {
            var resolved = SandboxPaths.Resolve(scratch);
            if (Directory.Exists(resolved)) candidates.Add(new(SandboxMountKind.Scratch, resolved, SandboxRuleIds.Scratch(scratch)));
            else notes.Add($"{SandboxRuleIds.Scratch(scratch)}: {scratch} does not exist on this host");
        }

        foreach (var path in policy.WriteAllow)
        {
            var id = SandboxRuleIds.WriteAllow(path);
            var resolved = SandboxPaths.Resolve(path);
            if (!Directory.Exists(resolved) && !File.Exists(resolved))
            {
                if (!createWritable)
                {
                    notes.Add($"{id}: {path} does not exist yet (it is created when the sandbox starts)");
                    candidates.Add(new(SandboxMountKind.Writable, resolved, id));
                    continue;
                }
                try
                {
                    Directory.CreateDirectory(resolved, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new KaiException("SandboxRuleUnenforceable", KaiErrorKind.InvalidOperation,
                        $"Sandbox rule {id}: {path} does not exist and cannot be created: {ex.Message}", id, ex);
                }
            }
            candidates.Add(new(SandboxMountKind.Writable, resolved, id));
        }

        foreach (var path in policy.ReadAllow)
        {
            var resolved = SandboxPaths.Resolve(path);
            if (ExistsResolved(resolved)) candidates.Add(new(SandboxMountKind.ReadOnly, resolved, SandboxRuleIds.ReadAllow(path)));
            else notes.Add($"{SandboxRuleIds.ReadAllow(path)}: {path} does not exist on this host");
        }

        var expansions = ExpandGlobs(policy.ReadDeny.Concat(policy.WriteDeny), globBudget);
        foreach (var entry in policy.WriteDeny)
        {
            var id = SandboxRuleIds.WriteDeny(entry);
            var matches = Matches(entry, expansions);
            if (matches.Count == 0) notes.Add($"{id}: nothing matches on this host now");
            foreach (var resolved in matches.Select(SandboxPaths.Resolve).Where(ExistsResolved))
                candidates.Add(new(SandboxMountKind.WriteProtected, resolved, id));
        }
        foreach (var entry in policy.ReadDeny)
        {
            var id = SandboxRuleIds.ReadDeny(entry);
            var matches = Matches(entry, expansions);
            if (matches.Count == 0) notes.Add($"{id}: nothing matches on this host now");
            foreach (var resolved in matches.Select(SandboxPaths.Resolve).Where(ExistsResolved))
            {
                var kind = Directory.Exists(resolved) ? SandboxMountKind.HiddenDirectory : SandboxMountKind.HiddenFile;
                // A directory the user cannot enter, a file it cannot read: closed already, no mount to pay for.
                if (skipUnreadable && Platform.Interop.Access(resolved, kind == SandboxMountKind.HiddenDirectory ? Platform.Interop.X_OK : Platform.Interop.R_OK) != 0)
                {
                    unreadable.Add(new(kind, resolved, id));
                    continue;
                }
                candidates.Add(new(kind, resolved, id));
            }
        }

        // One mount per path: the strongest rule at that path wins.
        var winners = candidates
            .GroupBy(m => m.Path, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(m => m.Precedence).First())
            .OrderBy(m => SandboxPaths.Depth(m.Path))
            .ThenBy(m => m.Path, StringComparer.Ordinal)
            .ToList();

        // Drop mounts that change nothing: a deny whose host content is already hidden by a scratch or hidden
        // parent, a write protection where nothing is writable anyway.
        var mounts = new List<SandboxMount>();
        foreach (var mount in winners)
        {
            var covering = Covering(mounts, mount.Path);
            var redundant = mount.Kind switch
            {
                SandboxMountKind.HiddenDirectory or SandboxMountKind.HiddenFile =>
                    covering?.Kind is SandboxMountKind.Scratch or SandboxMountKind.HiddenDirectory or SandboxMountKind.HiddenFile,
                SandboxMountKind.WriteProtected => covering?.Kind is not SandboxMountKind.Writable,
                SandboxMountKind.ReadOnly => covering?.Kind is not (SandboxMountKind.HiddenDirectory or SandboxMountKind.Scratch),
                _ => false,
            };
            if (redundant)
            {
                if (mount.Kind is SandboxMountKind.ReadOnly)
                    notes.Add($"{mount.RuleId}: {mount.Path} is not beneath a hidden directory, so it is visible anyway");
                continue;
            }
            mounts.Add(mount);
        }
        return new SandboxMountPlan(mounts, notes, unreadable);
    }

    /// <summary>The deepest mount at or above <paramref name="resolvedPath"/> (null: the read-only host root).</summary>
    public SandboxMount? Covering(string resolvedPath) => Covering(Mounts, resolvedPath);

    private static SandboxMount? Covering(IReadOnlyList<SandboxMount> mounts, string path)
    {
        SandboxMount? best = null;
        foreach (var mount in mounts)
            if (SandboxPaths.IsSameOrUnder(path, mount.Path) && (best is null || SandboxPaths.Depth(mount.Path) >= SandboxPaths.Depth(best.Path)))
                best = mount;
        return best;
    }

    /// <summary>A resolved path that is really there (a dangling link resolves to a missing path).</summary>
    private static bool ExistsResolved(string path) => Directory.Exists(path) || File.Exists(path);

    private static bool Exists(string path) => Directory.Exists(path) || File.Exists(path) || SandboxPaths.KindOf(path) != PathKind.Missing;

    private static Dictionary<string, IReadOnlyList<string>> ExpandGlobs(IEnumerable<string> entries, int budget)
    {
        var globs = entries.Where(SandboxGlob.IsGlob).Distinct(StringComparer.Ordinal).Select(SandboxGlob.Parse).ToList();
        if (globs.Count == 0) return new(StringComparer.Ordinal);
        try
        {
            return SandboxGlob.ExpandAll(globs, budget).ToDictionary(p => p.Key.Pattern, p => p.Value, StringComparer.Ordinal);
        }
        catch (GlobTooBroadException ex)
        {
            var id = ex.Patterns[0];
            throw new KaiException("SandboxRuleUnenforceable", KaiErrorKind.InvalidOperation,
                $"Sandbox rule for {id}: {ex.Message} A pattern is expanded before every sandbox start, so it must stay below {budget:N0} entries.", id, ex)
            { RecommendedAction = "Narrow the pattern to a smaller directory, or name the paths explicitly." };
        }
    }

    private static IReadOnlyList<string> Matches(string entry, Dictionary<string, IReadOnlyList<string>> expansions)
    {
        if (SandboxGlob.IsGlob(entry)) return expansions.TryGetValue(entry, out var found) ? found : Array.Empty<string>();
        var path = SandboxPaths.Normalize(entry);
        return Exists(path) ? new[] { path } : Array.Empty<string>();
    }
}
