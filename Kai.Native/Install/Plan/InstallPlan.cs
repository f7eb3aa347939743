namespace Kai.Native.Install;

/// <summary>The ordered steps of one install (or uninstall), with everything they were planned from.</summary>
public sealed class InstallPlan
{
    internal InstallPlan(InstallConfig config, InstallLayout layout, InstallFacts facts, InstallOptions options, InstallPayload? payload,
        ServiceSettings? settings, IReadOnlyList<InstallStep> steps, InstallContext context, IReadOnlyList<string> notes)
    {
        Config = config;
        Layout = layout;
        Facts = facts;
        Options = options;
        Payload = payload;
        Settings = settings;
        Steps = steps;
        Context = context;
        Notes = notes;
    }

    public InstallConfig Config { get; }
    public InstallLayout Layout { get; }
    public InstallFacts Facts { get; }
    public InstallOptions Options { get; }
    public InstallPayload? Payload { get; }
    public ServiceSettings? Settings { get; }
    public IReadOnlyList<InstallStep> Steps { get; }
    public InstallContext Context { get; }
    /// <summary>Things worth a warning that do not stop the install (claude not found yet, a user that is the service user …).</summary>
    public IReadOnlyList<string> Notes { get; }
    /// <summary>What makes applying impossible (a missing account): a dry run shows the plan, a real run stops before the first change.</summary>
    public IReadOnlyList<KaiException> Blockers { get; init; } = Array.Empty<KaiException>();

    /// <summary>The same plan with only the steps whose name matches one of <paramref name="patterns"/> (wildcards: * ?).</summary>
    public InstallPlan Filter(IReadOnlyList<string>? patterns)
    {
        if (patterns is null || patterns.Count == 0) return this;
        var regexes = patterns.Select(p => new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(p).Replace("\\*", ".*").Replace("\\?", ".") + "$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)).ToList();
        var kept = Steps.Where(s => regexes.Any(r => r.IsMatch(s.Name))).ToList();
        if (kept.Count == 0)
            throw new KaiException("StepNotFound", KaiErrorKind.ObjectNotFound,
                $"No step matches {string.Join(", ", patterns)}. Steps: {string.Join(", ", StepNames)}.", string.Join(",", patterns));
        return new InstallPlan(Config, Layout, Facts, Options, Payload, Settings, kept, Context, Notes) { Blockers = Blockers };
    }

    /// <summary>Distinct step names in plan order (for -Step completion and messages).</summary>
    public IReadOnlyList<string> StepNames => Steps.Select(s => s.Name).Distinct(StringComparer.Ordinal).ToList();
}
